package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// TaskInstanceSummary is what a run's status keeps of the instances of a
// forEach task: counts by phase and the first failures. The instances
// themselves are served by the tasks subresource
// (GET .../pipelineruns/NAME/tasks?task=TASK).
type TaskInstanceSummary struct {
	// Total is the number of instances.
	Total int32 `json:"total" protobuf:"varint,1,opt,name=total"`
	// Pending instances have not started.
	// +optional
	Pending int32 `json:"pending,omitempty" protobuf:"varint,2,opt,name=pending"`
	// Running instances have an attempt in flight.
	// +optional
	Running int32 `json:"running,omitempty" protobuf:"varint,3,opt,name=running"`
	// Succeeded instances ended well (or were cached).
	// +optional
	Succeeded int32 `json:"succeeded,omitempty" protobuf:"varint,4,opt,name=succeeded"`
	// Failed instances failed for good.
	// +optional
	Failed int32 `json:"failed,omitempty" protobuf:"varint,5,opt,name=failed"`
	// Skipped instances did not run.
	// +optional
	Skipped int32 `json:"skipped,omitempty" protobuf:"varint,6,opt,name=skipped"`
	// Canceled instances were stopped.
	// +optional
	Canceled int32 `json:"canceled,omitempty" protobuf:"varint,7,opt,name=canceled"`
	// Failures are the first failed instances, by index (at most 10).
	// +optional
	// +listType=atomic
	Failures []TaskInstanceFailure `json:"failures,omitempty" protobuf:"bytes,8,rep,name=failures"`
}

// TaskInstanceFailure is one failed instance of a forEach task.
type TaskInstanceFailure struct {
	// Index of the instance.
	Index int32 `json:"index" protobuf:"varint,1,opt,name=index"`
	// Item of the instance.
	// +optional
	Item string `json:"item,omitempty" protobuf:"bytes,2,opt,name=item"`
	// Reason is a CamelCase word saying why it failed.
	// +optional
	Reason string `json:"reason,omitempty" protobuf:"bytes,3,opt,name=reason"`
	// Message is a human-readable explanation.
	// +optional
	Message string `json:"message,omitempty" protobuf:"bytes,4,opt,name=message"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// PipelineRunTaskList is the per-instance state of the forEach tasks of a
// run (GET .../pipelineruns/NAME/tasks), and what the controller writes
// there (POST).
type PipelineRunTaskList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Items are the instances, by task then index.
	Items []PipelineRunTaskInstance `json:"items" protobuf:"bytes,2,rep,name=items"`
}

// PipelineRunTaskInstance is the state of one instance of a forEach task.
type PipelineRunTaskInstance struct {
	// Task is the pipeline task this is an instance of.
	Task string `json:"task" protobuf:"bytes,1,opt,name=task"`
	// Index is the instance's position in the task's forEach list.
	Index int32 `json:"index" protobuf:"varint,2,opt,name=index"`
	// Item is the instance's forEach item.
	// +optional
	Item string `json:"item,omitempty" protobuf:"bytes,3,opt,name=item"`
	// Name is the instance's name in the run, <task>-<index>.
	// +optional
	Name string `json:"name,omitempty" protobuf:"bytes,4,opt,name=name"`
	// Phase of the instance.
	// +optional
	Phase TaskPhase `json:"phase,omitempty" protobuf:"bytes,5,opt,name=phase,casttype=TaskPhase"`
	// Reason is a CamelCase word saying why the instance is in its phase.
	// +optional
	Reason string `json:"reason,omitempty" protobuf:"bytes,6,opt,name=reason"`
	// Message is a human-readable explanation.
	// +optional
	Message string `json:"message,omitempty" protobuf:"bytes,7,opt,name=message"`
	// PodName is the pod of the latest attempt.
	// +optional
	PodName string `json:"podName,omitempty" protobuf:"bytes,8,opt,name=podName"`
	// StartTime is when the first attempt started.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty" protobuf:"bytes,9,opt,name=startTime"`
	// CompletionTime is when the instance ended.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty" protobuf:"bytes,10,opt,name=completionTime"`
	// ExitCode of the latest attempt.
	// +optional
	ExitCode *int32 `json:"exitCode,omitempty" protobuf:"varint,11,opt,name=exitCode"`
	// Outputs the instance wrote.
	// +optional
	// +listType=atomic
	Outputs []Param `json:"outputs,omitempty" protobuf:"bytes,12,rep,name=outputs"`
	// Attempts are the attempts so far, oldest first.
	// +optional
	// +listType=atomic
	Attempts []TaskAttempt `json:"attempts,omitempty" protobuf:"bytes,13,rep,name=attempts"`
	// CacheKey identifies the instance's inputs for caching.
	// +optional
	CacheKey string `json:"cacheKey,omitempty" protobuf:"bytes,14,opt,name=cacheKey"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +k8s:conversion-gen:explicit-from=net/url.Values

// PipelineRunTasksOptions are the query parameters of GET
// .../pipelineruns/NAME/tasks.
type PipelineRunTasksOptions struct {
	metav1.TypeMeta `json:",inline"`

	// Task selects the instances of one task.
	// +optional
	Task string `json:"task,omitempty" protobuf:"bytes,1,opt,name=task"`
	// Phase selects the instances in one phase.
	// +optional
	Phase string `json:"phase,omitempty" protobuf:"bytes,2,opt,name=phase"`
	// Limit is the most instances to return (the server caps it); the
	// list's metadata.continue reads on.
	// +optional
	Limit int64 `json:"limit,omitempty" protobuf:"varint,3,opt,name=limit"`
	// Continue is the metadata.continue of the previous page.
	// +optional
	Continue string `json:"continue,omitempty" protobuf:"bytes,4,opt,name=continue"`
}

func init() {
	localSchemeBuilder.Register(addFanOutTypes)
}

func addFanOutTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(SchemeGroupVersion, &PipelineRunTaskList{}, &PipelineRunTasksOptions{})
	return nil
}
