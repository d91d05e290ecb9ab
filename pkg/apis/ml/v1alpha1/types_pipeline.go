package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Pipeline is a reusable DAG of containerized tasks.
type Pipeline struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec is the pipeline's parameters and tasks.
	Spec PipelineSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status is the pipeline's observed state.
	// +optional
	Status PipelineStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// PipelineList is a list of Pipelines.
type PipelineList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Items are the Pipelines.
	Items []Pipeline `json:"items" protobuf:"bytes,2,rep,name=items"`
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
	Description string `json:"description,omitempty" protobuf:"bytes,1,opt,name=description"`
	// Params are the parameters the pipeline takes, referenced as $(params.<name>).
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	Params []ParamSpec `json:"params,omitempty" patchStrategy:"merge" patchMergeKey:"name" protobuf:"bytes,2,rep,name=params"`
	// Tasks are the nodes of the DAG.
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	Tasks []PipelineTask `json:"tasks" patchStrategy:"merge" patchMergeKey:"name" protobuf:"bytes,3,rep,name=tasks"`
	// Finally are tasks that run after all others, whatever their outcome.
	// They may read the run's state as $(run.status).
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	Finally []PipelineTask `json:"finally,omitempty" patchStrategy:"merge" patchMergeKey:"name" protobuf:"bytes,4,rep,name=finally"`
	// Outputs are the pipeline's named outputs, each an output of one of
	// its tasks: what a task that runs this pipeline by pipelineRef
	// exposes as its own outputs.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	Outputs []PipelineOutput `json:"outputs,omitempty" patchStrategy:"merge" patchMergeKey:"name" protobuf:"bytes,5,rep,name=outputs"`
}

// ParamSpec declares a pipeline parameter.
type ParamSpec struct {
	// Name of the parameter, a DNS label.
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
	// Type of the parameter: string (default), int, float, bool or list.
	// +optional
	Type ParamType `json:"type,omitempty" protobuf:"bytes,2,opt,name=type,casttype=ParamType"`
	// Description of the parameter.
	// +optional
	Description string `json:"description,omitempty" protobuf:"bytes,3,opt,name=description"`
	// Default is used when a run does not give a value. A parameter without a
	// default is required.
	// +optional
	Default *string `json:"default,omitempty" protobuf:"bytes,4,opt,name=default"`
}

// Param is a value given to a parameter.
type Param struct {
	// Name of the parameter.
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
	// Value of the parameter; list values are JSON arrays of strings.
	Value string `json:"value" protobuf:"bytes,2,opt,name=value"`
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
	Input string `json:"input,omitempty" protobuf:"bytes,1,opt,name=input"`
	// Operator is In or NotIn.
	// +optional
	Operator WhenOperator `json:"operator,omitempty" protobuf:"bytes,2,opt,name=operator,casttype=WhenOperator"`
	// Values to compare the input with.
	// +optional
	// +listType=atomic
	Values []string `json:"values,omitempty" protobuf:"bytes,3,rep,name=values"`
	// CEL is a boolean CEL expression over params.<name> and
	// tasks.<task>.outputs.<output> (strings), such as
	// double(tasks.train.outputs.accuracy) > 0.9. It is compiled and
	// type-checked at admission, within a cost limit. Not set together
	// with input, operator and values.
	// +optional
	CEL string `json:"cel,omitempty" protobuf:"bytes,4,opt,name=cel"`
}

// Backoff is the delay between retries: duration, multiplied by factor after
// each attempt, capped at maxDuration.
type Backoff struct {
	// Duration is the delay before the first retry.
	// +optional
	Duration Duration `json:"duration,omitempty" protobuf:"bytes,1,opt,name=duration,casttype=Duration"`
	// Factor multiplies the delay after each retry.
	// +optional
	Factor *int32 `json:"factor,omitempty" protobuf:"varint,2,opt,name=factor"`
	// MaxDuration caps the delay.
	// +optional
	MaxDuration Duration `json:"maxDuration,omitempty" protobuf:"bytes,3,opt,name=maxDuration,casttype=Duration"`
}

// RetryPolicy retries a failed task.
type RetryPolicy struct {
	// Limit is the number of retries after the first attempt.
	Limit int32 `json:"limit" protobuf:"varint,1,opt,name=limit"`
	// Backoff is the delay between attempts.
	// +optional
	Backoff *Backoff `json:"backoff,omitempty" protobuf:"bytes,2,opt,name=backoff"`
}

// TaskOutput declares an output of a task: a key the task writes as a
// key=value line to its termination message.
type TaskOutput struct {
	// Name of the output, a DNS label.
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
	// Description of the output.
	// +optional
	Description string `json:"description,omitempty" protobuf:"bytes,2,opt,name=description"`
}

// ForEach fans a task out into one instance per item. Exactly one of items
// and from is set.
type ForEach struct {
	// Items is a literal list.
	// +optional
	// +listType=atomic
	Items []string `json:"items,omitempty" protobuf:"bytes,1,rep,name=items"`
	// From is a reference to a list: $(params.<list param>) or
	// $(tasks.<task>.outputs.<output>) holding a JSON array.
	// +optional
	From string `json:"from,omitempty" protobuf:"bytes,2,opt,name=from"`
	// Parallelism is how many instances of the task run at once; by
	// default as many as the run's spec.parallelism allows.
	// +optional
	Parallelism *int32 `json:"parallelism,omitempty" protobuf:"varint,3,opt,name=parallelism"`
}

// PipelineTask is one node of a pipeline's DAG: a container run as a pod.
type PipelineTask struct {
	// Name of the task, a DNS label unique in the pipeline.
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
	// Description of the task.
	// +optional
	Description string `json:"description,omitempty" protobuf:"bytes,2,opt,name=description"`

	ContainerSpec `json:",inline" protobuf:"bytes,3,opt,name=containerSpec"`
	PodOptions    `json:",inline" protobuf:"bytes,4,opt,name=podOptions"`

	// DependsOn names tasks that must be done first. References to
	// $(tasks.<name>.outputs.<output>) add dependencies implicitly.
	// +optional
	// +listType=set
	DependsOn []string `json:"dependsOn,omitempty" protobuf:"bytes,5,rep,name=dependsOn"`
	// When expressions must all hold for the task to run; otherwise it is Skipped.
	// +optional
	// +listType=atomic
	When []WhenExpression `json:"when,omitempty" protobuf:"bytes,6,rep,name=when"`
	// ForEach runs one instance of the task per item, available as $(item).
	// +optional
	ForEach *ForEach `json:"forEach,omitempty" protobuf:"bytes,7,opt,name=forEach"`
	// Retries of a failed task.
	// +optional
	Retries *RetryPolicy `json:"retries,omitempty" protobuf:"bytes,8,opt,name=retries"`
	// Outputs the task produces.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	Outputs []TaskOutput `json:"outputs,omitempty" patchStrategy:"merge" patchMergeKey:"name" protobuf:"bytes,9,rep,name=outputs"`
	// Timeout of one attempt.
	// +optional
	Timeout Duration `json:"timeout,omitempty" protobuf:"bytes,10,opt,name=timeout,casttype=Duration"`
	// Cache may be set false to always run the task.
	// +optional
	Cache *bool `json:"cache,omitempty" protobuf:"varint,11,opt,name=cache"`
	// PipelineRef runs another Pipeline of the namespace as this task,
	// instead of a container: its tasks join the run under this task's
	// name (<task>.<inner task>). Resolved when a run is created.
	// +optional
	PipelineRef *LocalObjectReference `json:"pipelineRef,omitempty" protobuf:"bytes,12,opt,name=pipelineRef"`
	// Params are the values given to the referenced pipeline's params;
	// they may use the variables of this pipeline ($(params.x),
	// $(tasks.t.outputs.o)). Only with pipelineRef.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	Params []Param `json:"params,omitempty" patchStrategy:"merge" patchMergeKey:"name" protobuf:"bytes,13,rep,name=params"`
	// Artifacts are the files and directories the task reads from and
	// writes to the artifact store.
	// +optional
	Artifacts *TaskArtifacts `json:"artifacts,omitempty" protobuf:"bytes,14,opt,name=artifacts"`
}

// PipelineStatus is the observed state of a Pipeline.
type PipelineStatus struct {
	// ObservedGeneration is the generation the status was computed for.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty" protobuf:"varint,1,opt,name=observedGeneration"`
	// Conditions of the pipeline (Valid).
	// +optional
	// +listType=map
	// +listMapKey=type
	// +patchMergeKey=type
	// +patchStrategy=merge
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type" protobuf:"bytes,2,rep,name=conditions"`
	// Phase is a one-word summary for printing.
	// +optional
	Phase string `json:"phase,omitempty" protobuf:"bytes,3,opt,name=phase"`
}
