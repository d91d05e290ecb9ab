package testing

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// DefaultImage is the image of the containers builders make.
const DefaultImage = "busybox:1.36"

// PipelineWrapper builds a Pipeline.
type PipelineWrapper struct {
	obj ml.Pipeline
	MetaSetters[*PipelineWrapper]
}

// MakePipeline starts a Pipeline without tasks; add at least one with Tasks.
func MakePipeline(name, namespace string) *PipelineWrapper {
	w := &PipelineWrapper{obj: ml.Pipeline{ObjectMeta: objectMeta(name, namespace)}}
	w.MetaSetters = MetaSetters[*PipelineWrapper]{&w.obj.ObjectMeta, w}
	return w
}

// Obj returns a copy of the Pipeline.
func (w *PipelineWrapper) Obj() *ml.Pipeline { return w.obj.DeepCopy() }

// Spec returns a copy of the Pipeline's spec, for a PipelineRun's inline pipelineSpec.
func (w *PipelineWrapper) Spec() *ml.PipelineSpec { return w.obj.Spec.DeepCopy() }

// Params adds parameter declarations.
func (w *PipelineWrapper) Params(params ...ml.ParamSpec) *PipelineWrapper {
	w.obj.Spec.Params = append(w.obj.Spec.Params, params...)
	return w
}

// Tasks adds tasks.
func (w *PipelineWrapper) Tasks(tasks ...ml.PipelineTask) *PipelineWrapper {
	w.obj.Spec.Tasks = append(w.obj.Spec.Tasks, tasks...)
	return w
}

// Finally adds finally tasks.
func (w *PipelineWrapper) Finally(tasks ...ml.PipelineTask) *PipelineWrapper {
	w.obj.Spec.Finally = append(w.obj.Spec.Finally, tasks...)
	return w
}

// Conditions sets status.conditions.
func (w *PipelineWrapper) Conditions(conditions ...metav1.Condition) *PipelineWrapper {
	w.obj.Status.Conditions = conditions
	return w
}

// ParamSpecWrapper builds a parameter declaration.
type ParamSpecWrapper struct{ obj ml.ParamSpec }

// MakeParamSpec starts a string parameter without a default (a required one).
func MakeParamSpec(name string) *ParamSpecWrapper {
	return &ParamSpecWrapper{obj: ml.ParamSpec{Name: name, Type: ml.ParamTypeString}}
}

// Obj returns a copy of the declaration.
func (w *ParamSpecWrapper) Obj() ml.ParamSpec { return *w.obj.DeepCopy() }

// Type sets the parameter's type.
func (w *ParamSpecWrapper) Type(t ml.ParamType) *ParamSpecWrapper {
	w.obj.Type = t
	return w
}

// Default sets the parameter's default, making it optional.
func (w *ParamSpecWrapper) Default(value string) *ParamSpecWrapper {
	w.obj.Default = &value
	return w
}

// TaskWrapper builds a pipeline task.
type TaskWrapper struct {
	obj ml.PipelineTask
	ContainerSetters[*TaskWrapper]
	PodSetters[*TaskWrapper]
}

// MakeTask starts a task running DefaultImage.
func MakeTask(name string) *TaskWrapper {
	w := &TaskWrapper{obj: ml.PipelineTask{Name: name, ContainerSpec: ml.ContainerSpec{Image: DefaultImage}}}
	w.ContainerSetters = ContainerSetters[*TaskWrapper]{&w.obj.ContainerSpec, w}
	w.PodSetters = PodSetters[*TaskWrapper]{&w.obj.PodOptions, w}
	return w
}

// Obj returns a copy of the task.
func (w *TaskWrapper) Obj() ml.PipelineTask { return *w.obj.DeepCopy() }

// DependsOn adds explicit dependencies.
func (w *TaskWrapper) DependsOn(tasks ...string) *TaskWrapper {
	w.obj.DependsOn = append(w.obj.DependsOn, tasks...)
	return w
}

// Outputs declares outputs.
func (w *TaskWrapper) Outputs(names ...string) *TaskWrapper {
	for _, n := range names {
		w.obj.Outputs = append(w.obj.Outputs, ml.TaskOutput{Name: n})
	}
	return w
}

// When adds a when expression.
func (w *TaskWrapper) When(input string, op ml.WhenOperator, values ...string) *TaskWrapper {
	w.obj.When = append(w.obj.When, ml.WhenExpression{Input: input, Operator: op, Values: values})
	return w
}

// WhenCEL adds a CEL when condition.
func (w *TaskWrapper) WhenCEL(expr string) *TaskWrapper {
	w.obj.When = append(w.obj.When, ml.WhenExpression{CEL: expr})
	return w
}

// ForEachItems fans the task out over literal items.
func (w *TaskWrapper) ForEachItems(items ...string) *TaskWrapper {
	w.obj.ForEach = &ml.ForEach{Items: items}
	return w
}

// ForEachParallelism sets forEach.parallelism of a task fanned out
// before.
func (w *TaskWrapper) ForEachParallelism(n int32) *TaskWrapper {
	w.obj.ForEach.Parallelism = &n
	return w
}

// ForEachFrom fans the task out over a list variable, such as $(params.lrs).
func (w *TaskWrapper) ForEachFrom(from string) *TaskWrapper {
	w.obj.ForEach = &ml.ForEach{From: from}
	return w
}

// ForEach sets forEach as given, for combinations the other setters refuse.
func (w *TaskWrapper) ForEach(fe *ml.ForEach) *TaskWrapper {
	w.obj.ForEach = fe
	return w
}

// Retries sets the retry limit.
func (w *TaskWrapper) Retries(limit int32) *TaskWrapper {
	if w.obj.Retries == nil {
		w.obj.Retries = &ml.RetryPolicy{}
	}
	w.obj.Retries.Limit = limit
	return w
}

// Backoff sets the retry backoff: first delay, factor and cap.
func (w *TaskWrapper) Backoff(duration time.Duration, factor int32, maxDuration time.Duration) *TaskWrapper {
	if w.obj.Retries == nil {
		w.obj.Retries = &ml.RetryPolicy{Limit: 1}
	}
	w.obj.Retries.Backoff = &ml.Backoff{
		Duration:    ml.Duration(duration.String()),
		Factor:      ptr.To(factor),
		MaxDuration: ml.Duration(maxDuration.String()),
	}
	return w
}

// Timeout sets the timeout of one attempt.
func (w *TaskWrapper) Timeout(d time.Duration) *TaskWrapper {
	w.obj.Timeout = ml.Duration(d.String())
	return w
}
