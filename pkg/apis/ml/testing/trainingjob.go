package testing

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// TrainingJobWrapper builds a TrainingJob.
type TrainingJobWrapper struct {
	obj ml.TrainingJob
	MetaSetters[*TrainingJobWrapper]
	ContainerSetters[*TrainingJobWrapper]
	PodSetters[*TrainingJobWrapper]
}

// MakeTrainingJob starts a one-replica Generic job running DefaultImage,
// with the other defaults the API server would set.
func MakeTrainingJob(name, namespace string) *TrainingJobWrapper {
	w := &TrainingJobWrapper{obj: ml.TrainingJob{
		ObjectMeta: objectMeta(name, namespace),
		Spec: ml.TrainingJobSpec{
			Framework:      ml.FrameworkGeneric,
			Replicas:       ptr.To[int32](1),
			ContainerSpec:  ml.ContainerSpec{Image: DefaultImage},
			MasterPort:     ptr.To[int32](29500),
			BackoffLimit:   ptr.To[int32](3),
			CleanPodPolicy: ml.CleanPodPolicyRunning,
		},
	}}
	w.MetaSetters = MetaSetters[*TrainingJobWrapper]{&w.obj.ObjectMeta, w}
	w.ContainerSetters = ContainerSetters[*TrainingJobWrapper]{&w.obj.Spec.ContainerSpec, w}
	w.PodSetters = PodSetters[*TrainingJobWrapper]{&w.obj.Spec.PodOptions, w}
	return w
}

// Obj returns a copy of the TrainingJob.
func (w *TrainingJobWrapper) Obj() *ml.TrainingJob { return w.obj.DeepCopy() }

// V1alpha1 returns the TrainingJob as ml.example.io/v1alpha1, the version
// the controller reads; it panics if the conversion fails, a mistake in a
// test.
func (w *TrainingJobWrapper) V1alpha1() *mlv1alpha1.TrainingJob {
	out := &mlv1alpha1.TrainingJob{}
	if err := mlv1alpha1.Convert_ml_TrainingJob_To_v1alpha1_TrainingJob(w.obj.DeepCopy(), out, nil); err != nil {
		panic(fmt.Sprintf("convert TrainingJob %s to v1alpha1: %v", w.obj.Name, err))
	}
	return out
}

// Framework sets spec.framework.
func (w *TrainingJobWrapper) Framework(f ml.Framework) *TrainingJobWrapper {
	w.obj.Spec.Framework = f
	return w
}

// Replicas sets spec.replicas.
func (w *TrainingJobWrapper) Replicas(n int32) *TrainingJobWrapper {
	w.obj.Spec.Replicas = ptr.To(n)
	return w
}

// ElasticPolicy sets spec.elastic as given, for unset bounds.
func (w *TrainingJobWrapper) ElasticPolicy(e ml.ElasticPolicy) *TrainingJobWrapper {
	w.obj.Spec.Elastic = &e
	return w
}

// Elastic sets the elastic bounds.
func (w *TrainingJobWrapper) Elastic(minReplicas, maxReplicas int32) *TrainingJobWrapper {
	w.obj.Spec.Elastic = &ml.ElasticPolicy{MinReplicas: ptr.To(minReplicas), MaxReplicas: ptr.To(maxReplicas)}
	return w
}

// MasterPort sets spec.masterPort.
func (w *TrainingJobWrapper) MasterPort(port int32) *TrainingJobWrapper {
	w.obj.Spec.MasterPort = ptr.To(port)
	return w
}

// BackoffLimit sets spec.backoffLimit.
func (w *TrainingJobWrapper) BackoffLimit(n int32) *TrainingJobWrapper {
	w.obj.Spec.BackoffLimit = ptr.To(n)
	return w
}

// ActiveDeadlineSeconds sets spec.activeDeadlineSeconds.
func (w *TrainingJobWrapper) ActiveDeadlineSeconds(s int64) *TrainingJobWrapper {
	w.obj.Spec.ActiveDeadlineSeconds = ptr.To(s)
	return w
}

// TTLSecondsAfterFinished sets spec.ttlSecondsAfterFinished.
func (w *TrainingJobWrapper) TTLSecondsAfterFinished(s int32) *TrainingJobWrapper {
	w.obj.Spec.TTLSecondsAfterFinished = ptr.To(s)
	return w
}

// Suspend sets spec.suspend.
func (w *TrainingJobWrapper) Suspend(b bool) *TrainingJobWrapper {
	w.obj.Spec.Suspend = b
	return w
}

// CleanPodPolicy sets spec.cleanPodPolicy.
func (w *TrainingJobWrapper) CleanPodPolicy(p ml.CleanPodPolicy) *TrainingJobWrapper {
	w.obj.Spec.CleanPodPolicy = p
	return w
}

// Metrics sets spec.metrics.
func (w *TrainingJobWrapper) Metrics(collector ml.MetricsCollector, format string) *TrainingJobWrapper {
	w.obj.Spec.Metrics = &ml.MetricsSpec{Collector: collector, Format: format}
	return w
}

// OutputURI sets spec.outputURI.
func (w *TrainingJobWrapper) OutputURI(uri string) *TrainingJobWrapper {
	w.obj.Spec.OutputURI = uri
	return w
}

// Phase sets status.phase.
func (w *TrainingJobWrapper) Phase(p ml.TrainingJobPhase) *TrainingJobWrapper {
	w.obj.Status.Phase = p
	return w
}

// Conditions sets status.conditions.
func (w *TrainingJobWrapper) Conditions(conditions ...metav1.Condition) *TrainingJobWrapper {
	w.obj.Status.Conditions = conditions
	return w
}

// SetCondition sets a status.conditions entry as the controller does:
// it replaces the condition of the same type.
func (w *TrainingJobWrapper) SetCondition(c metav1.Condition) *TrainingJobWrapper {
	meta.SetStatusCondition(&w.obj.Status.Conditions, c)
	return w
}

// Finished ends the job in phase, with the condition c saying why and
// status.completionTime at c's lastTransitionTime.
func (w *TrainingJobWrapper) Finished(phase ml.TrainingJobPhase, c metav1.Condition) *TrainingJobWrapper {
	t := c.LastTransitionTime
	return w.SetCondition(c).CompletionTime(&t).Phase(phase)
}

// StartTime sets status.startTime.
func (w *TrainingJobWrapper) StartTime(t *metav1.Time) *TrainingJobWrapper {
	w.obj.Status.StartTime = t
	return w
}

// CompletionTime sets status.completionTime.
func (w *TrainingJobWrapper) CompletionTime(t *metav1.Time) *TrainingJobWrapper {
	w.obj.Status.CompletionTime = t
	return w
}

// Failures sets status.failed and status.restarts.
func (w *TrainingJobWrapper) Failures(failed, restarts int32) *TrainingJobWrapper {
	w.obj.Status.Failed, w.obj.Status.Restarts = failed, restarts
	return w
}

// Succeeded sets status.succeeded.
func (w *TrainingJobWrapper) Succeeded(n int32) *TrainingJobWrapper {
	w.obj.Status.Succeeded = n
	return w
}

// StatusReplicas sets status.replicas and status.readyReplicas.
func (w *TrainingJobWrapper) StatusReplicas(replicas, ready int32) *TrainingJobWrapper {
	w.obj.Status.Replicas, w.obj.Status.ReadyReplicas = replicas, ready
	return w
}

// Selector sets status.selector.
func (w *TrainingJobWrapper) Selector(s string) *TrainingJobWrapper {
	w.obj.Status.Selector = s
	return w
}

// LatestMetric adds a status.latestMetrics entry.
func (w *TrainingJobWrapper) LatestMetric(name string, value float64) *TrainingJobWrapper {
	w.obj.Status.LatestMetrics = append(w.obj.Status.LatestMetrics, ml.MetricValue{Name: name, Value: value})
	return w
}
