package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +genclient:method=GetPipeline,verb=get,subresource=pipeline,result=Pipeline
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// PipelineRun is one execution of a pipeline.
type PipelineRun struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec says which pipeline runs, with which parameters.
	Spec PipelineRunSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status is the state of the run and of each task.
	// +optional
	Status PipelineRunStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// PipelineRunList is a list of PipelineRuns.
type PipelineRunList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Items are the PipelineRuns.
	Items []PipelineRun `json:"items" protobuf:"bytes,2,rep,name=items"`
}

// PipelineRunSpec is the desired state of a PipelineRun. Exactly one of
// pipelineRef, pipelineSpec and retryOf is set.
type PipelineRunSpec struct {
	// PipelineRef names a Pipeline in the same namespace.
	// +optional
	PipelineRef *LocalObjectReference `json:"pipelineRef,omitempty" protobuf:"bytes,1,opt,name=pipelineRef"`
	// PipelineSpec is an inline pipeline.
	// +optional
	PipelineSpec *PipelineSpec `json:"pipelineSpec,omitempty" protobuf:"bytes,2,opt,name=pipelineSpec"`
	// RetryOf names an ended run (Failed or Canceled) of the same
	// namespace to retry: the run executes that run's snapshot with its
	// params, takes the outputs of every task that succeeded there and
	// runs the rest. Not together with pipelineRef, pipelineSpec or params.
	// +optional
	RetryOf *LocalObjectReference `json:"retryOf,omitempty" protobuf:"bytes,3,opt,name=retryOf"`
	// Params are the values of the pipeline's parameters.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	Params []Param `json:"params,omitempty" patchStrategy:"merge" patchMergeKey:"name" protobuf:"bytes,4,rep,name=params"`
	// Parallelism caps the number of tasks running at once.
	// +optional
	Parallelism *int32 `json:"parallelism,omitempty" protobuf:"varint,5,opt,name=parallelism"`
	// ActiveDeadlineSeconds fails the run when it runs longer.
	// +optional
	ActiveDeadlineSeconds *int64 `json:"activeDeadlineSeconds,omitempty" protobuf:"varint,6,opt,name=activeDeadlineSeconds"`
	// TTLSecondsAfterFinished deletes the run that long after it finished.
	// +optional
	TTLSecondsAfterFinished *int32 `json:"ttlSecondsAfterFinished,omitempty" protobuf:"varint,7,opt,name=ttlSecondsAfterFinished"`
	// Suspend stops new tasks from starting while true.
	// +optional
	Suspend bool `json:"suspend,omitempty" protobuf:"varint,8,opt,name=suspend"`
	// Cancel stops the run: running tasks are deleted, finally tasks run, and
	// the run ends Canceled.
	// +optional
	Cancel bool `json:"cancel,omitempty" protobuf:"varint,9,opt,name=cancel"`
	// FailFast cancels running tasks at the first unrecoverable failure.
	// +optional
	FailFast bool `json:"failFast,omitempty" protobuf:"varint,10,opt,name=failFast"`
	// Cache may be set false to run every task even when a cached result exists.
	// +optional
	Cache *bool `json:"cache,omitempty" protobuf:"varint,11,opt,name=cache"`
	// RetainArtifacts keeps the run's artifacts in the store after the run
	// is deleted; by default they are deleted with it.
	// +optional
	RetainArtifacts bool `json:"retainArtifacts,omitempty" protobuf:"varint,12,opt,name=retainArtifacts"`
}

// PipelineRunPhase is a one-word summary of a run.
type PipelineRunPhase string

// The phases of a PipelineRun.
const (
	PipelineRunPending   PipelineRunPhase = "Pending"
	PipelineRunRunning   PipelineRunPhase = "Running"
	PipelineRunSucceeded PipelineRunPhase = "Succeeded"
	PipelineRunFailed    PipelineRunPhase = "Failed"
	PipelineRunCanceled  PipelineRunPhase = "Canceled"
)

// TaskPhase is the state of one task of a run.
type TaskPhase string

// The phases of a task.
const (
	TaskPending   TaskPhase = "Pending"
	TaskRunning   TaskPhase = "Running"
	TaskSucceeded TaskPhase = "Succeeded"
	TaskFailed    TaskPhase = "Failed"
	TaskSkipped   TaskPhase = "Skipped"
	TaskCanceled  TaskPhase = "Canceled"
)

// PipelineRunStatus is the observed state of a run.
type PipelineRunStatus struct {
	// Phase is Pending, Running, Succeeded, Failed or Canceled.
	// +optional
	Phase PipelineRunPhase `json:"phase,omitempty" protobuf:"bytes,1,opt,name=phase,casttype=PipelineRunPhase"`
	// ObservedGeneration is the generation the status was computed for.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty" protobuf:"varint,2,opt,name=observedGeneration"`
	// Conditions of the run (Running, Succeeded, Failed).
	// +optional
	// +listType=map
	// +listMapKey=type
	// +patchMergeKey=type
	// +patchStrategy=merge
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type" protobuf:"bytes,3,rep,name=conditions"`
	// StartTime is when the run started.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty" protobuf:"bytes,4,opt,name=startTime"`
	// CompletionTime is when the run ended.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty" protobuf:"bytes,5,opt,name=completionTime"`
	// Pipeline refers to the snapshot of the pipeline this run executes:
	// the server stores it apart from the run, and serves it from the
	// run's `pipeline` subresource as a Pipeline.
	// +optional
	Pipeline *PipelineSnapshotRef `json:"pipeline,omitempty" protobuf:"bytes,6,opt,name=pipeline"`
	// PipelineSpec is where versions before the `pipeline` subresource kept
	// the snapshot. Deprecated: the server reads it only from objects such
	// versions stored, moves it to the subresource on the object's next
	// write (the controller makes one), and never writes it.
	// +optional
	PipelineSpec *PipelineSpec `json:"pipelineSpec,omitempty" protobuf:"bytes,7,opt,name=pipelineSpec"`
	// Params are the effective parameters: given values and declared defaults.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	Params []Param `json:"params,omitempty" patchStrategy:"merge" patchMergeKey:"name" protobuf:"bytes,8,rep,name=params"`
	// Tasks is the state of each task (and each forEach instance).
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	Tasks []PipelineTaskStatus `json:"tasks,omitempty" patchStrategy:"merge" patchMergeKey:"name" protobuf:"bytes,9,rep,name=tasks"`
}

// PipelineSnapshotRef is the compact reference a run's status keeps to the
// snapshot of the pipeline it executes.
type PipelineSnapshotRef struct {
	// Name is the Pipeline the snapshot was taken of; empty for an inline
	// spec.pipelineSpec.
	// +optional
	Name string `json:"name,omitempty" protobuf:"bytes,1,opt,name=name"`
	// ResourceVersion is the Pipeline's resourceVersion when the snapshot
	// was taken.
	// +optional
	ResourceVersion string `json:"resourceVersion,omitempty" protobuf:"bytes,2,opt,name=resourceVersion"`
	// Generation is the Pipeline's generation when the snapshot was taken.
	// +optional
	Generation int64 `json:"generation,omitempty" protobuf:"varint,3,opt,name=generation"`
	// Hash is "sha256:" and the hex SHA-256 of the JSON encoding of the
	// snapshot's spec as the pipeline subresource serves it.
	// +optional
	Hash string `json:"hash,omitempty" protobuf:"bytes,4,opt,name=hash"`
	// Tasks is how many tasks (finally tasks included) the snapshot has.
	// +optional
	Tasks int32 `json:"tasks,omitempty" protobuf:"varint,5,opt,name=tasks"`
}

// PipelineTaskStatus is the state of one task, or of one instance of a fanned-out task.
type PipelineTaskStatus struct {
	// Name is the task's name, or <task>-<index> for a forEach instance.
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
	// Task is the name of the pipeline task this entry is an instance of.
	// +optional
	Task string `json:"task,omitempty" protobuf:"bytes,2,opt,name=task"`
	// Item is the forEach item of this instance.
	// +optional
	Item string `json:"item,omitempty" protobuf:"bytes,3,opt,name=item"`
	// Phase of the task.
	// +optional
	Phase TaskPhase `json:"phase,omitempty" protobuf:"bytes,4,opt,name=phase,casttype=TaskPhase"`
	// Reason is a CamelCase word saying why the task is in its phase, such as Cached.
	// +optional
	Reason string `json:"reason,omitempty" protobuf:"bytes,5,opt,name=reason"`
	// Message is a human-readable explanation.
	// +optional
	Message string `json:"message,omitempty" protobuf:"bytes,6,opt,name=message"`
	// PodName is the pod of the latest attempt.
	// +optional
	PodName string `json:"podName,omitempty" protobuf:"bytes,7,opt,name=podName"`
	// StartTime is when the first attempt started.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty" protobuf:"bytes,8,opt,name=startTime"`
	// CompletionTime is when the task ended.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty" protobuf:"bytes,9,opt,name=completionTime"`
	// ExitCode of the latest attempt.
	// +optional
	ExitCode *int32 `json:"exitCode,omitempty" protobuf:"varint,10,opt,name=exitCode"`
	// Outputs the task wrote.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	Outputs []Param `json:"outputs,omitempty" patchStrategy:"merge" patchMergeKey:"name" protobuf:"bytes,11,rep,name=outputs"`
	// Attempts are the attempts so far, oldest first.
	// +optional
	// +listType=atomic
	Attempts []TaskAttempt `json:"attempts,omitempty" protobuf:"bytes,12,rep,name=attempts"`
	// CacheKey identifies the task's inputs for caching.
	// +optional
	CacheKey string `json:"cacheKey,omitempty" protobuf:"bytes,13,opt,name=cacheKey"`
	// Instances summarizes the instances of a forEach task, whose own
	// state the tasks subresource serves; set on the task's one entry.
	// +optional
	Instances *TaskInstanceSummary `json:"instances,omitempty" protobuf:"bytes,14,opt,name=instances"`
	// Artifacts are the artifacts the task consumed and produced.
	// +optional
	Artifacts *ArtifactsStatus `json:"artifacts,omitempty" protobuf:"bytes,15,opt,name=artifacts"`
}

// TaskAttempt is one attempt of a task.
type TaskAttempt struct {
	// PodName of the attempt.
	PodName string `json:"podName" protobuf:"bytes,1,opt,name=podName"`
	// ExitCode of the attempt's container.
	// +optional
	ExitCode *int32 `json:"exitCode,omitempty" protobuf:"varint,2,opt,name=exitCode"`
	// StartTime of the attempt.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty" protobuf:"bytes,3,opt,name=startTime"`
	// CompletionTime of the attempt.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty" protobuf:"bytes,4,opt,name=completionTime"`
	// Message about the attempt's end.
	// +optional
	Message string `json:"message,omitempty" protobuf:"bytes,5,opt,name=message"`
}
