package model

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// Labels of a model's Deployments, pods and Service.
const (
	// NameLabel is on every child of a Model, with the model's name.
	NameLabel = mlv1alpha1.ModelNameLabel
	// TrackLabel tells the pods of the stable Deployment from the
	// canary's.
	TrackLabel = mlv1alpha1.ModelTrackLabel
)

// The tracks of a model: its stable version and its canary.
const (
	TrackStable = "stable"
	TrackCanary = "canary"
)

// ContainerName is the name of the server container; PortName names its
// port on the pods and the Service.
const (
	ContainerName = "server"
	PortName      = mlv1alpha1.ModelPortName
)

// kind is the group, version and kind of the owner reference of children.
var kind = mlv1alpha1.SchemeGroupVersion.WithKind("Model")

// ownerOf is m as the owner of its Deployments and Service.
func ownerOf(m *mlv1alpha1.Model) workload.Owner {
	return workload.NewOwner(m, kind, map[string]string{NameLabel: m.Name})
}

// DeploymentName is the name of the Deployment of a model's track: the
// model's name for the stable version, <name>-canary for the canary.
func DeploymentName(model, track string) string {
	if track == TrackCanary {
		return model + "-canary"
	}
	return model
}

// Selector selects the pods of both tracks of the model named name: the
// status.selector that the scale subresource reports.
func Selector(name string) labels.Selector {
	return labels.SelectorFromSet(labels.Set{NameLabel: name})
}

// URL is where the model is served: its Service's cluster DNS name.
func URL(m *mlv1alpha1.Model) string {
	return fmt.Sprintf("http://%s.%s.svc:%d", m.Name, m.Namespace, port(m))
}

func port(m *mlv1alpha1.Model) int32 {
	if m.Spec.Runtime.Port == 0 {
		return mlv1alpha1.DefaultModelPort
	}
	return m.Spec.Runtime.Port
}

// desiredReplicas is spec.replicas, 1 when unset: both tracks together.
func desiredReplicas(m *mlv1alpha1.Model) int32 {
	if m.Spec.Replicas == nil {
		return 1
	}
	return *m.Spec.Replicas
}

// servedSet is the Deployment of one track of m, serving uri with
// replicas pods. The server finds its model's files at ML_MODEL_PATH (see
// addModelFiles) and their origin in ML_MODEL_URI; a TCP readiness probe
// on its port keeps a pod out of the Service until the server listens.
func servedSet(m *mlv1alpha1.Model, track, uri string, replicas int32, pull PullConfig) workload.ServedSetSpec {
	p := port(m)
	selector := map[string]string{NameLabel: m.Name, TrackLabel: track}
	injected := []corev1.EnvVar{
		{Name: "ML_MODEL_NAME", Value: m.Name},
		{Name: "ML_MODEL_URI", Value: uri},
		{Name: "ML_MODEL_FORMAT", Value: m.Spec.Format},
		{Name: "ML_MODEL_PORT", Value: fmt.Sprint(p)},
		{Name: "ML_MODEL_TRACK", Value: track},
	}
	own := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: selector},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name:           ContainerName,
			Env:            injected,
			Ports:          []corev1.ContainerPort{{Name: PortName, ContainerPort: p, Protocol: corev1.ProtocolTCP}},
			ReadinessProbe: readinessProbe(m),
		}}},
	}
	addModelFiles(&own, uri, pull)
	return workload.ServedSetSpec{
		Name:     DeploymentName(m.Name, track),
		Labels:   selector,
		Selector: selector,
		Replicas: replicas,
		Template: workload.PodTemplate(own, containerSpec(m), &m.Spec.PodOptions),
	}
}

// containerSpec is the model's server container as the ContainerSpec of
// the other kinds: spec.runtime with spec.resources.
func containerSpec(m *mlv1alpha1.Model) *mlv1alpha1.ContainerSpec {
	rt := &m.Spec.Runtime
	return &mlv1alpha1.ContainerSpec{
		Image: rt.Image, Command: rt.Command, Args: rt.Args, Env: rt.Env, Resources: m.Spec.Resources,
	}
}

// service is the model's Service: one virtual IP in front of the pods of
// both tracks.
func service(m *mlv1alpha1.Model) workload.ServiceSpec {
	return workload.NamedPortService(m.Name, map[string]string{NameLabel: m.Name}, PortName, port(m))
}
