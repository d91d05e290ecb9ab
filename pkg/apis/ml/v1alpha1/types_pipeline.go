package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Pipeline is a reusable DAG of containerized tasks.
type Pipeline struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the pipeline's parameters and tasks.
	Spec PipelineSpec `json:"spec,omitempty"`
	// Status is the pipeline's observed state.
	// +optional
	Status PipelineStatus `json:"status,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// PipelineList is a list of Pipelines.
type PipelineList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the Pipelines.
	Items []Pipeline `json:"items"`
}

// ParamType is the type of a pipeline parameter.
type ParamType string

// The types a parameter may have.
const (
	ParamTypeString ParamType = "string"
	ParamTypeInt    ParamType = "int"
	ParamTypeFloat  ParamType = "float"
	ParamTypeBool   ParamType = "bool"
	// ParamTypeList values are JSON arrays of strings, for example `["0.01","0.1"]`.
	ParamTypeList ParamType = "list"
)

// PipelineSpec is a DAG of tasks with parameters.
type PipelineSpec struct {
	// Description says what the pipeline does.
	// +optional
	Description string `json:"description,omitempty"`
	// Params are the parameters the pipeline takes, referenced as $(params.<name>).
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	Params []ParamSpec `json:"params,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
	// Tasks are the nodes of the DAG.
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	Tasks []PipelineTask `json:"tasks" patchStrategy:"merge" patchMergeKey:"name"`
	// Finally are tasks that run after all others, whatever their outcome.
	// They may read the run's state as $(run.status).
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	Finally []PipelineTask `json:"finally,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
	// Outputs are the pipeline's named outputs, each an output of one of
	// its tasks: what a task that runs this pipeline by pipelineRef
	// exposes as its own outputs.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	Outputs []PipelineOutput `json:"outputs,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
}

// ParamSpec declares a pipeline parameter.
type ParamSpec struct {
	// Name of the parameter, a DNS label.
	Name string `json:"name"`
	// Type of the parameter: string (default), int, float, bool or list.
	// +optional
	Type ParamType `json:"type,omitempty"`
	// Description of the parameter.
	// +optional
	Description string `json:"description,omitempty"`
	// Default is used when a run does not give a value. A parameter without a
	// default is required.
	// +optional
	Default *string `json:"default,omitempty"`
}

// Param is a value given to a parameter.
type Param struct {
	// Name of the parameter.
	Name string `json:"name"`
	// Value of the parameter; list values are JSON arrays of strings.
	Value string `json:"value"`
}

// WhenOperator compares a when expression's input with its values.
type WhenOperator string

// The operators of when expressions.
const (
	WhenOperatorIn    WhenOperator = "In"
	WhenOperatorNotIn WhenOperator = "NotIn"
)

// WhenExpression guards a task. Either input, operator and values: the
// task runs only when input (after substitution) is (In) or is not (NotIn)
// one of values; or cel: the task runs only when the CEL expression is
// true.
type WhenExpression struct {
	// Input is a string with substitutions, such as $(tasks.check.outputs.ok).
	// +optional
	Input string `json:"input,omitempty"`
	// Operator is In or NotIn.
	// +optional
	Operator WhenOperator `json:"operator,omitempty"`
	// Values to compare the input with.
	// +optional
	// +listType=atomic
	Values []string `json:"values,omitempty"`
	// CEL is a boolean CEL expression over params.<name> and
	// tasks.<task>.outputs.<output> (strings), such as
	// double(tasks.train.outputs.accuracy) > 0.9. It is compiled and
	// type-checked at admission, within a cost limit. Not set together
	// with input, operator and values.
	// +optional
	CEL string `json:"cel,omitempty"`
}

// Backoff is the delay between retries: duration, multiplied by factor after
// each attempt, capped at maxDuration.
type Backoff struct {
	// Duration is the delay before the first retry.
	// +optional
	Duration Duration `json:"duration,omitempty"`
	// Factor multiplies the delay after each retry.
	// +optional
	Factor *int32 `json:"factor,omitempty"`
	// MaxDuration caps the delay.
	// +optional
	MaxDuration Duration `json:"maxDuration,omitempty"`
}

// RetryPolicy retries a failed task.
type RetryPolicy struct {
	// Limit is the number of retries after the first attempt.
	Limit int32 `json:"limit"`
	// Backoff is the delay between attempts.
	// +optional
	Backoff *Backoff `json:"backoff,omitempty"`
}

// TaskOutput declares an output of a task: a key the task writes as a
// key=value line to its termination message.
type TaskOutput struct {
	// Name of the output, a DNS label.
	Name string `json:"name"`
	// Description of the output.
	// +optional
	Description string `json:"description,omitempty"`
}

// ForEach fans a task out into one instance per item. Exactly one of items
// and from is set.
type ForEach struct {
	// Items is a literal list.
	// +optional
	// +listType=atomic
	Items []string `json:"items,omitempty"`
	// From is a reference to a list: $(params.<list param>) or
	// $(tasks.<task>.outputs.<output>) holding a JSON array.
	// +optional
	From string `json:"from,omitempty"`
}

// PipelineTask is one node of a pipeline's DAG: a container run as a pod.
type PipelineTask struct {
	// Name of the task, a DNS label unique in the pipeline.
	Name string `json:"name"`
	// Description of the task.
	// +optional
	Description string `json:"description,omitempty"`

	ContainerSpec `json:",inline"`
	PodOptions    `json:",inline"`

	// DependsOn names tasks that must be done first. References to
	// $(tasks.<name>.outputs.<output>) add dependencies implicitly.
	// +optional
	// +listType=set
	DependsOn []string `json:"dependsOn,omitempty"`
	// When expressions must all hold for the task to run; otherwise it is Skipped.
	// +optional
	// +listType=atomic
	When []WhenExpression `json:"when,omitempty"`
	// ForEach runs one instance of the task per item, available as $(item).
	// +optional
	ForEach *ForEach `json:"forEach,omitempty"`
	// Retries of a failed task.
	// +optional
	Retries *RetryPolicy `json:"retries,omitempty"`
	// Outputs the task produces.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	Outputs []TaskOutput `json:"outputs,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
	// Timeout of one attempt.
	// +optional
	Timeout Duration `json:"timeout,omitempty"`
	// Cache may be set false to always run the task.
	// +optional
	Cache *bool `json:"cache,omitempty"`
	// PipelineRef runs another Pipeline of the namespace as this task,
	// instead of a container: its tasks join the run under this task's
	// name (<task>.<inner task>). Resolved when a run is created.
	// +optional
	PipelineRef *LocalObjectReference `json:"pipelineRef,omitempty"`
	// Params are the values given to the referenced pipeline's params;
	// they may use the variables of this pipeline ($(params.x),
	// $(tasks.t.outputs.o)). Only with pipelineRef.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	Params []Param `json:"params,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
}

// PipelineStatus is the observed state of a Pipeline.
type PipelineStatus struct {
	// ObservedGeneration is the generation the status was computed for.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Conditions of the pipeline (Valid).
	// +optional
	// +listType=map
	// +listMapKey=type
	// +patchMergeKey=type
	// +patchStrategy=merge
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
	// Phase is a one-word summary for printing.
	// +optional
	Phase string `json:"phase,omitempty"`
}
