package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// RecurringRun starts a PipelineRun or TrainingJob on a schedule (cron or
// interval). The runs it starts are owned by it and named from their
// scheduled time.
type RecurringRun struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec is the schedule and the run template.
	Spec RecurringRunSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status is the observed state of the schedule.
	// +optional
	Status RecurringRunStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// RecurringRunList is a list of RecurringRuns.
type RecurringRunList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Items are the RecurringRuns.
	Items []RecurringRun `json:"items" protobuf:"bytes,2,rep,name=items"`
}

// RecurringSchedule says when runs are due: exactly one of cron and
// interval is set.
type RecurringSchedule struct {
	// Cron is a standard 5-field cron expression ("0 2 * * *").
	// +optional
	Cron string `json:"cron,omitempty" protobuf:"bytes,1,opt,name=cron"`
	// TimeZone is the IANA time zone cron is read in (default the server's, UTC in a container).
	// +optional
	TimeZone *string `json:"timeZone,omitempty" protobuf:"bytes,2,opt,name=timeZone"`
	// Interval runs every interval from startTime (or creation); at least 10s.
	// +optional
	Interval *metav1.Duration `json:"interval,omitempty" protobuf:"bytes,3,opt,name=interval"`
}

// ConcurrencyPolicy says what happens when a run is due while another is active.
type ConcurrencyPolicy string

// The concurrency policies of a RecurringRun.
const (
	// ConcurrencyAllow starts the run (up to maxConcurrency active runs).
	ConcurrencyAllow ConcurrencyPolicy = "Allow"
	// ConcurrencyForbid skips the run while one is active.
	ConcurrencyForbid ConcurrencyPolicy = "Forbid"
	// ConcurrencyReplace deletes the active runs and starts the new one.
	ConcurrencyReplace ConcurrencyPolicy = "Replace"
)

// RecurringRunSpec is the desired state of a RecurringRun.
type RecurringRunSpec struct {
	// Schedule says when runs are due.
	Schedule RecurringSchedule `json:"schedule" protobuf:"bytes,1,opt,name=schedule"`
	// StartTime is the first time a run may be due; intervals count from it.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty" protobuf:"bytes,2,opt,name=startTime"`
	// EndTime is the time after which no run is started.
	// +optional
	EndTime *metav1.Time `json:"endTime,omitempty" protobuf:"bytes,3,opt,name=endTime"`
	// ConcurrencyPolicy is Allow (default), Forbid or Replace.
	// +optional
	ConcurrencyPolicy ConcurrencyPolicy `json:"concurrencyPolicy,omitempty" protobuf:"bytes,4,opt,name=concurrencyPolicy,casttype=ConcurrencyPolicy"`
	// MaxConcurrency caps the active runs under Allow; unset is no cap.
	// +optional
	MaxConcurrency *int32 `json:"maxConcurrency,omitempty" protobuf:"varint,5,opt,name=maxConcurrency"`
	// CatchUp starts the runs missed while suspended or down, oldest first,
	// at most 10; false starts only the latest missed run.
	// +optional
	CatchUp bool `json:"catchUp,omitempty" protobuf:"varint,6,opt,name=catchUp"`
	// Suspend stops new runs from starting while true.
	// +optional
	Suspend bool `json:"suspend,omitempty" protobuf:"varint,7,opt,name=suspend"`
	// SuccessfulRunsHistoryLimit is how many succeeded runs are kept (default 3).
	// +optional
	SuccessfulRunsHistoryLimit *int32 `json:"successfulRunsHistoryLimit,omitempty" protobuf:"varint,8,opt,name=successfulRunsHistoryLimit"`
	// FailedRunsHistoryLimit is how many failed or canceled runs are kept (default 1).
	// +optional
	FailedRunsHistoryLimit *int32 `json:"failedRunsHistoryLimit,omitempty" protobuf:"varint,9,opt,name=failedRunsHistoryLimit"`
	// RunTemplate is the run created each time.
	RunTemplate RunTemplate `json:"runTemplate" protobuf:"bytes,10,opt,name=runTemplate"`
}

// RunTemplateMetadata are the labels and annotations of each run.
type RunTemplateMetadata struct {
	// Labels of each run.
	// +optional
	Labels map[string]string `json:"labels,omitempty" protobuf:"bytes,1,rep,name=labels"`
	// Annotations of each run.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty" protobuf:"bytes,2,rep,name=annotations"`
}

// RunTemplate is the run a RecurringRun creates: exactly one of
// pipelineRun and trainingJob is set. $(schedule.scheduledTime) and
// $(schedule.index) in PipelineRun param values and TrainingJob env values
// are replaced when the run is created.
type RunTemplate struct {
	// Metadata of each run.
	// +optional
	Metadata RunTemplateMetadata `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// PipelineRun is the spec of a PipelineRun.
	// +optional
	PipelineRun *PipelineRunSpec `json:"pipelineRun,omitempty" protobuf:"bytes,2,opt,name=pipelineRun"`
	// TrainingJob is the spec of a TrainingJob.
	// +optional
	TrainingJob *TrainingJobSpec `json:"trainingJob,omitempty" protobuf:"bytes,3,opt,name=trainingJob"`
}

// RecurringRunStatus is the observed state of a RecurringRun.
type RecurringRunStatus struct {
	// ObservedGeneration is the generation the status was computed for.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty" protobuf:"varint,1,opt,name=observedGeneration"`
	// Conditions of the recurring run.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +patchMergeKey=type
	// +patchStrategy=merge
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type" protobuf:"bytes,2,rep,name=conditions"`
	// LastScheduleTime is the scheduled time of the latest run started.
	// +optional
	LastScheduleTime *metav1.Time `json:"lastScheduleTime,omitempty" protobuf:"bytes,3,opt,name=lastScheduleTime"`
	// NextScheduleTime is when the next run is due.
	// +optional
	NextScheduleTime *metav1.Time `json:"nextScheduleTime,omitempty" protobuf:"bytes,4,opt,name=nextScheduleTime"`
	// LastSuccessfulTime is when the latest run succeeded.
	// +optional
	LastSuccessfulTime *metav1.Time `json:"lastSuccessfulTime,omitempty" protobuf:"bytes,5,opt,name=lastSuccessfulTime"`
	// Active are the runs not yet finished.
	// +optional
	// +listType=atomic
	Active []corev1.ObjectReference `json:"active,omitempty" protobuf:"bytes,6,rep,name=active"`
	// RunCount is the number of runs started; the next run's $(schedule.index).
	// +optional
	RunCount int64 `json:"runCount,omitempty" protobuf:"varint,7,opt,name=runCount"`
}
