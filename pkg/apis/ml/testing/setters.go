package testing

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// ContainerSetters set the container fields of the object a builder W
// builds; builders embed it so the setters return the builder.
type ContainerSetters[W any] struct {
	c *ml.ContainerSpec
	w W
}

// Image sets the container image.
func (s ContainerSetters[W]) Image(image string) W {
	s.c.Image = image
	return s.w
}

// Command sets the entrypoint.
func (s ContainerSetters[W]) Command(command ...string) W {
	s.c.Command = command
	return s.w
}

// Args sets the entrypoint's arguments.
func (s ContainerSetters[W]) Args(args ...string) W {
	s.c.Args = args
	return s.w
}

// Env adds an environment variable.
func (s ContainerSetters[W]) Env(name, value string) W {
	s.c.Env = append(s.c.Env, corev1.EnvVar{Name: name, Value: value})
	return s.w
}

// EnvVar adds an environment variable, for valueFrom.
func (s ContainerSetters[W]) EnvVar(e corev1.EnvVar) W {
	s.c.Env = append(s.c.Env, e)
	return s.w
}

// Request sets a resource request, such as Request("cpu", "500m").
func (s ContainerSetters[W]) Request(name corev1.ResourceName, quantity string) W {
	setQuantity(&s.c.Resources.Requests, name, quantity)
	return s.w
}

// Limit sets a resource limit, such as Limit("nvidia.com/gpu", "1").
func (s ContainerSetters[W]) Limit(name corev1.ResourceName, quantity string) W {
	setQuantity(&s.c.Resources.Limits, name, quantity)
	return s.w
}

func setQuantity(l *corev1.ResourceList, name corev1.ResourceName, quantity string) {
	if *l == nil {
		*l = corev1.ResourceList{}
	}
	(*l)[name] = resource.MustParse(quantity)
}

// PodSetters set the pod-level fields of the object a builder W builds;
// builders embed it so the setters return the builder.
type PodSetters[W any] struct {
	o *ml.PodOptions
	w W
}

// PodLabel adds a label to podMetadata.
func (s PodSetters[W]) PodLabel(key, value string) W {
	if s.o.PodMetadata == nil {
		s.o.PodMetadata = &ml.PodMetadata{}
	}
	if s.o.PodMetadata.Labels == nil {
		s.o.PodMetadata.Labels = map[string]string{}
	}
	s.o.PodMetadata.Labels[key] = value
	return s.w
}

// PodAnnotation adds an annotation to podMetadata.
func (s PodSetters[W]) PodAnnotation(key, value string) W {
	if s.o.PodMetadata == nil {
		s.o.PodMetadata = &ml.PodMetadata{}
	}
	if s.o.PodMetadata.Annotations == nil {
		s.o.PodMetadata.Annotations = map[string]string{}
	}
	s.o.PodMetadata.Annotations[key] = value
	return s.w
}

// ServiceAccountName sets the pods' service account.
func (s PodSetters[W]) ServiceAccountName(name string) W {
	s.o.ServiceAccountName = name
	return s.w
}

// NodeSelector adds a node selector entry.
func (s PodSetters[W]) NodeSelector(key, value string) W {
	if s.o.NodeSelector == nil {
		s.o.NodeSelector = map[string]string{}
	}
	s.o.NodeSelector[key] = value
	return s.w
}

// Toleration adds a toleration.
func (s PodSetters[W]) Toleration(t corev1.Toleration) W {
	s.o.Tolerations = append(s.o.Tolerations, t)
	return s.w
}

// PVCVolume adds a volume backed by a PersistentVolumeClaim.
func (s PodSetters[W]) PVCVolume(name, claimName string) W {
	return s.Volume(corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{
		PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claimName},
	}})
}

// Volume adds a volume.
func (s PodSetters[W]) Volume(v corev1.Volume) W {
	s.o.Volumes = append(s.o.Volumes, v)
	return s.w
}

// VolumeMount mounts the volume name at mountPath in the main container.
func (s PodSetters[W]) VolumeMount(name, mountPath string) W {
	s.o.VolumeMounts = append(s.o.VolumeMounts, corev1.VolumeMount{Name: name, MountPath: mountPath})
	return s.w
}

// ImagePullSecret adds an image pull secret.
func (s PodSetters[W]) ImagePullSecret(name string) W {
	s.o.ImagePullSecrets = append(s.o.ImagePullSecrets, corev1.LocalObjectReference{Name: name})
	return s.w
}

// MetaSetters set the metadata of the object a builder W builds; builders
// embed it so the setters return the builder.
type MetaSetters[W any] struct {
	m *metav1.ObjectMeta
	w W
}

// ResourceVersion sets metadata.resourceVersion, which updates need.
func (s MetaSetters[W]) ResourceVersion(rv string) W {
	s.m.ResourceVersion = rv
	return s.w
}

// UID sets metadata.uid, which owner references of children carry.
func (s MetaSetters[W]) UID(uid string) W {
	s.m.UID = types.UID(uid)
	return s.w
}

// Generation sets metadata.generation.
func (s MetaSetters[W]) Generation(g int64) W {
	s.m.Generation = g
	return s.w
}

// Label adds a label.
func (s MetaSetters[W]) Label(key, value string) W {
	if s.m.Labels == nil {
		s.m.Labels = map[string]string{}
	}
	s.m.Labels[key] = value
	return s.w
}

// Labels adds labels.
func (s MetaSetters[W]) Labels(labels map[string]string) W {
	for k, v := range labels {
		s.Label(k, v)
	}
	return s.w
}

// Annotation adds an annotation.
func (s MetaSetters[W]) Annotation(key, value string) W {
	if s.m.Annotations == nil {
		s.m.Annotations = map[string]string{}
	}
	s.m.Annotations[key] = value
	return s.w
}

func objectMeta(name, namespace string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: namespace}
}
