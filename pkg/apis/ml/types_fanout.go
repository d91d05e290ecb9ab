package ml

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// TaskInstanceSummary is what a run's status keeps of the instances of a
// forEach task: counts by phase and the first failures. The instances
// themselves are served by the tasks subresource.
type TaskInstanceSummary struct {
	// Total is the number of instances.
	Total int32
	// Pending, Running, Succeeded, Failed, Skipped and Canceled count the
	// instances in each phase.
	Pending   int32
	Running   int32
	Succeeded int32
	Failed    int32
	Skipped   int32
	Canceled  int32
	// Failures are the first failed instances, by index.
	Failures []TaskInstanceFailure
}

// TaskInstanceFailure is one failed instance of a forEach task.
type TaskInstanceFailure struct {
	// Index of the instance.
	Index int32
	// Item of the instance.
	Item string
	// Reason and Message say why it failed.
	Reason  string
	Message string
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// PipelineRunTaskList is the per-instance state of the forEach tasks of a
// run (GET .../pipelineruns/NAME/tasks), and what the controller writes
// there (POST).
type PipelineRunTaskList struct {
	metav1.TypeMeta
	metav1.ListMeta

	Items []PipelineRunTaskInstance
}

// PipelineRunTaskInstance is the state of one instance of a forEach task.
type PipelineRunTaskInstance struct {
	// Task is the pipeline task, Index the instance's position in its
	// forEach list and Item its item.
	Task  string
	Index int32
	Item  string
	// Name is the instance's name in the run, <task>-<index>.
	Name           string
	Phase          TaskPhase
	Reason         string
	Message        string
	PodName        string
	StartTime      *metav1.Time
	CompletionTime *metav1.Time
	ExitCode       *int32
	Outputs        []Param
	Attempts       []TaskAttempt
	CacheKey       string
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// PipelineRunTasksOptions are the query parameters of GET
// .../pipelineruns/NAME/tasks.
type PipelineRunTasksOptions struct {
	metav1.TypeMeta

	// Task selects the instances of one task.
	Task string
	// Phase selects the instances in one phase.
	Phase string
	// Limit is the most instances to return; the list's continue token
	// reads on.
	Limit int64
	// Continue is the token of the previous page.
	Continue string
}

func init() {
	SchemeBuilder.Register(addFanOutTypes)
}

func addFanOutTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(SchemeGroupVersion, &PipelineRunTaskList{}, &PipelineRunTasksOptions{})
	return nil
}
