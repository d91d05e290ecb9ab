package testing

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
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
