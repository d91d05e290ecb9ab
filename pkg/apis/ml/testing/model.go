package testing

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// DefaultModelURI is the source of the models builders make.
const DefaultModelURI = "s3://models/example"

// ModelWrapper builds a Model.
type ModelWrapper struct {
	obj ml.Model
	MetaSetters[*ModelWrapper]
	PodSetters[*ModelWrapper]
}

// MakeModel starts a one-replica Model served from DefaultModelURI by
// DefaultImage on port 8080.
func MakeModel(name, namespace string) *ModelWrapper {
	w := &ModelWrapper{obj: ml.Model{
		ObjectMeta: objectMeta(name, namespace),
		Spec: ml.ModelSpec{
			Source:   ml.ModelSource{URI: DefaultModelURI},
			Runtime:  ml.ModelRuntime{Image: DefaultImage, Port: 8080},
			Replicas: ptr.To[int32](1),
		},
	}}
	w.MetaSetters = MetaSetters[*ModelWrapper]{&w.obj.ObjectMeta, w}
	w.PodSetters = PodSetters[*ModelWrapper]{&w.obj.Spec.PodOptions, w}
	return w
}

// Obj returns a copy of the Model.
func (w *ModelWrapper) Obj() *ml.Model { return w.obj.DeepCopy() }

// SourceURI serves the model files at uri; it clears trainingJobRef.
func (w *ModelWrapper) SourceURI(uri string) *ModelWrapper {
	w.obj.Spec.Source = ml.ModelSource{URI: uri}
	return w
}

// SourceTrainingJob serves the output of the named TrainingJob; it clears uri.
func (w *ModelWrapper) SourceTrainingJob(name string) *ModelWrapper {
	w.obj.Spec.Source = ml.ModelSource{TrainingJobRef: &ml.LocalObjectReference{Name: name}}
	return w
}

// Source sets spec.source as given, for combinations the other setters refuse.
func (w *ModelWrapper) Source(src ml.ModelSource) *ModelWrapper {
	w.obj.Spec.Source = src
	return w
}

// Format sets spec.format.
func (w *ModelWrapper) Format(f string) *ModelWrapper {
	w.obj.Spec.Format = f
	return w
}

// RuntimeImage sets spec.runtime.image.
func (w *ModelWrapper) RuntimeImage(image string) *ModelWrapper {
	w.obj.Spec.Runtime.Image = image
	return w
}

// RuntimeCommand sets spec.runtime.command.
func (w *ModelWrapper) RuntimeCommand(command ...string) *ModelWrapper {
	w.obj.Spec.Runtime.Command = command
	return w
}

// RuntimeEnv adds an environment variable to the runtime.
func (w *ModelWrapper) RuntimeEnv(name, value string) *ModelWrapper {
	w.obj.Spec.Runtime.Env = append(w.obj.Spec.Runtime.Env, corev1.EnvVar{Name: name, Value: value})
	return w
}

// Port sets spec.runtime.port.
func (w *ModelWrapper) Port(port int32) *ModelWrapper {
	w.obj.Spec.Runtime.Port = port
	return w
}

// Replicas sets spec.replicas.
func (w *ModelWrapper) Replicas(n int32) *ModelWrapper {
	w.obj.Spec.Replicas = ptr.To(n)
	return w
}

// Canary runs a canary from source with the given share of replicas.
func (w *ModelWrapper) Canary(source ml.ModelSource, trafficPercent int32) *ModelWrapper {
	w.obj.Spec.Canary = &ml.CanarySpec{Source: source, TrafficPercent: trafficPercent}
	return w
}

// Request sets a resource request of one server replica.
func (w *ModelWrapper) Request(name corev1.ResourceName, quantity string) *ModelWrapper {
	setQuantity(&w.obj.Spec.Resources.Requests, name, quantity)
	return w
}

// Limit sets a resource limit of one server replica.
func (w *ModelWrapper) Limit(name corev1.ResourceName, quantity string) *ModelWrapper {
	setQuantity(&w.obj.Spec.Resources.Limits, name, quantity)
	return w
}

// Phase sets status.phase.
func (w *ModelWrapper) Phase(p ml.ModelPhase) *ModelWrapper {
	w.obj.Status.Phase = p
	return w
}

// Conditions sets status.conditions.
func (w *ModelWrapper) Conditions(conditions ...metav1.Condition) *ModelWrapper {
	w.obj.Status.Conditions = conditions
	return w
}

// StatusReplicas sets status.replicas, readyReplicas and canaryReplicas.
func (w *ModelWrapper) StatusReplicas(replicas, ready, canary int32) *ModelWrapper {
	w.obj.Status.Replicas, w.obj.Status.ReadyReplicas, w.obj.Status.CanaryReplicas = replicas, ready, canary
	return w
}
