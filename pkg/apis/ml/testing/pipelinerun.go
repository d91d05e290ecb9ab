package testing

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// PipelineRunWrapper builds a PipelineRun.
type PipelineRunWrapper struct {
	obj ml.PipelineRun
	MetaSetters[*PipelineRunWrapper]
}

// MakePipelineRun starts a run of the Pipeline named like the run; change
// it with PipelineRef or PipelineSpec.
func MakePipelineRun(name, namespace string) *PipelineRunWrapper {
	w := &PipelineRunWrapper{obj: ml.PipelineRun{
		ObjectMeta: objectMeta(name, namespace),
		Spec:       ml.PipelineRunSpec{PipelineRef: &ml.LocalObjectReference{Name: name}},
	}}
	w.MetaSetters = MetaSetters[*PipelineRunWrapper]{&w.obj.ObjectMeta, w}
	return w
}

// Obj returns a copy of the PipelineRun.
func (w *PipelineRunWrapper) Obj() *ml.PipelineRun { return w.obj.DeepCopy() }

// PipelineRef runs the named Pipeline; an empty name clears pipelineRef.
func (w *PipelineRunWrapper) PipelineRef(name string) *PipelineRunWrapper {
	w.obj.Spec.PipelineRef = nil
	if name != "" {
		w.obj.Spec.PipelineRef = &ml.LocalObjectReference{Name: name}
	}
	return w
}

// PipelineSpec runs an inline pipeline and clears pipelineRef; build the
// spec with MakePipeline(...).Tasks(...).Spec().
func (w *PipelineRunWrapper) PipelineSpec(spec *ml.PipelineSpec) *PipelineRunWrapper {
	w.obj.Spec.PipelineRef = nil
	w.obj.Spec.PipelineSpec = spec
	return w
}

// RetryOf retries the named run and clears pipelineRef and pipelineSpec.
func (w *PipelineRunWrapper) RetryOf(name string) *PipelineRunWrapper {
	w.obj.Spec.PipelineRef, w.obj.Spec.PipelineSpec = nil, nil
	w.obj.Spec.RetryOf = &ml.LocalObjectReference{Name: name}
	return w
}

// Param gives a parameter value.
func (w *PipelineRunWrapper) Param(name, value string) *PipelineRunWrapper {
	w.obj.Spec.Params = append(w.obj.Spec.Params, ml.Param{Name: name, Value: value})
	return w
}

// Parallelism caps the tasks running at once.
func (w *PipelineRunWrapper) Parallelism(n int32) *PipelineRunWrapper {
	w.obj.Spec.Parallelism = ptr.To(n)
	return w
}

// ActiveDeadlineSeconds sets the run's deadline.
func (w *PipelineRunWrapper) ActiveDeadlineSeconds(s int64) *PipelineRunWrapper {
	w.obj.Spec.ActiveDeadlineSeconds = ptr.To(s)
	return w
}

// TTLSecondsAfterFinished sets how long a finished run is kept.
func (w *PipelineRunWrapper) TTLSecondsAfterFinished(s int32) *PipelineRunWrapper {
	w.obj.Spec.TTLSecondsAfterFinished = ptr.To(s)
	return w
}

// Suspend sets spec.suspend.
func (w *PipelineRunWrapper) Suspend(b bool) *PipelineRunWrapper {
	w.obj.Spec.Suspend = b
	return w
}

// Cancel sets spec.cancel.
func (w *PipelineRunWrapper) Cancel(b bool) *PipelineRunWrapper {
	w.obj.Spec.Cancel = b
	return w
}

// FailFast sets spec.failFast.
func (w *PipelineRunWrapper) FailFast(b bool) *PipelineRunWrapper {
	w.obj.Spec.FailFast = b
	return w
}

// Phase sets status.phase.
func (w *PipelineRunWrapper) Phase(p ml.PipelineRunPhase) *PipelineRunWrapper {
	w.obj.Status.Phase = p
	return w
}

// Conditions sets status.conditions.
func (w *PipelineRunWrapper) Conditions(conditions ...metav1.Condition) *PipelineRunWrapper {
	w.obj.Status.Conditions = conditions
	return w
}

// TaskStatus adds the status of a task.
func (w *PipelineRunWrapper) TaskStatus(name string, phase ml.TaskPhase) *PipelineRunWrapper {
	w.obj.Status.Tasks = append(w.obj.Status.Tasks, ml.PipelineTaskStatus{Name: name, Task: name, Phase: phase})
	return w
}

// Times sets status.startTime and status.completionTime; nil leaves one unset.
func (w *PipelineRunWrapper) Times(start, completion *metav1.Time) *PipelineRunWrapper {
	w.obj.Status.StartTime, w.obj.Status.CompletionTime = start, completion
	return w
}
