package testing

import (
	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// MakeNestedTask starts a task that runs the Pipeline pipeline (pipelineRef)
// instead of a container.
func MakeNestedTask(name, pipeline string) *TaskWrapper {
	w := MakeTask(name)
	w.obj.ContainerSpec = ml.ContainerSpec{}
	w.obj.PipelineRef = &ml.LocalObjectReference{Name: pipeline}
	return w
}

// Param gives a value to a param of the task's referenced pipeline.
func (w *TaskWrapper) Param(name, value string) *TaskWrapper {
	w.obj.Params = append(w.obj.Params, ml.Param{Name: name, Value: value})
	return w
}

// Cache sets the task's cache setting.
func (w *TaskWrapper) Cache(on bool) *TaskWrapper {
	w.obj.Cache = &on
	return w
}

// Output declares a named output of the pipeline: value is
// $(tasks.<task>.outputs.<output>).
func (w *PipelineWrapper) Output(name, value string) *PipelineWrapper {
	w.obj.Spec.Outputs = append(w.obj.Spec.Outputs, ml.PipelineOutput{Name: name, Value: value})
	return w
}
