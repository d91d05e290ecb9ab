package v1alpha1

// PipelineOutput is a named output of a pipeline: the value of one output
// of one of its tasks, exposed to a task that runs the pipeline by
// pipelineRef as $(tasks.<that task>.outputs.<name>).
type PipelineOutput struct {
	// Name of the output, a DNS label.
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
	// Description of the output.
	// +optional
	Description string `json:"description,omitempty" protobuf:"bytes,2,opt,name=description"`
	// Value is the output of a regular task of the pipeline, written
	// $(tasks.<task>.outputs.<output>).
	Value string `json:"value" protobuf:"bytes,3,opt,name=value"`
}
