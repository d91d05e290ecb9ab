package notebook

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// NameLabel is on every child of a Notebook, with the notebook's name.
const NameLabel = mlv1alpha1.NotebookNameLabel

// ContainerName is the name of the notebook container; PortName names its
// port on the pod and the Service; WorkspaceVolume is the pod's volume of
// the workspace claim.
const (
	ContainerName   = "notebook"
	PortName        = "http"
	WorkspaceVolume = "workspace"
)

// kind is the group, version and kind of the owner reference of children.
var kind = mlv1alpha1.SchemeGroupVersion.WithKind("Notebook")

// ownerOf is nb as the owner of its StatefulSet, Service and claim.
func ownerOf(nb *mlv1alpha1.Notebook) workload.Owner {
	return workload.NewOwner(nb, kind, map[string]string{NameLabel: nb.Name})
}

// WorkspaceClaimName is the name of the workspace claim of a notebook.
func WorkspaceClaimName(notebook string) string {
	return notebook + "-workspace"
}

// Selector selects the pod of the notebook named name: the status.selector
// that the scale subresource reports.
func Selector(name string) labels.Selector {
	return labels.SelectorFromSet(labels.Set{NameLabel: name})
}

// URL is where the notebook is reached: its Service's cluster DNS name.
func URL(nb *mlv1alpha1.Notebook) string {
	return fmt.Sprintf("http://%s.%s.svc:%d", nb.Name, nb.Namespace, port(nb))
}

func port(nb *mlv1alpha1.Notebook) int32 {
	if nb.Spec.Port == 0 {
		return mlv1alpha1.DefaultNotebookPort
	}
	return nb.Spec.Port
}

// desiredReplicas is 1 while the notebook should run, else 0: it runs
// while spec.replicas is 1 (the default) and spec.stopped is false.
func desiredReplicas(nb *mlv1alpha1.Notebook) int32 {
	if nb.Spec.Stopped || (nb.Spec.Replicas != nil && *nb.Spec.Replicas == 0) {
		return 0
	}
	return 1
}

// workspace returns the workspace with its defaults.
func workspace(nb *mlv1alpha1.Notebook) mlv1alpha1.WorkspaceSpec {
	var ws mlv1alpha1.WorkspaceSpec
	if nb.Spec.Workspace != nil {
		ws = *nb.Spec.Workspace.DeepCopy()
	}
	if ws.VolumeSize == nil {
		q := resource.MustParse(mlv1alpha1.DefaultWorkspaceSize)
		ws.VolumeSize = &q
	}
	if ws.MountPath == "" {
		ws.MountPath = mlv1alpha1.DefaultWorkspaceMountPath
	}
	return ws
}

// volume is the notebook's workspace claim.
func volume(nb *mlv1alpha1.Notebook) workload.VolumeSpec {
	ws := workspace(nb)
	return workload.VolumeSpec{
		Name:             WorkspaceClaimName(nb.Name),
		Labels:           map[string]string{NameLabel: nb.Name},
		Size:             *ws.VolumeSize,
		StorageClassName: ws.StorageClassName,
	}
}

// servedSet is the notebook's StatefulSet, of replicas (0 or 1) pods that
// mount the workspace claim.
func servedSet(nb *mlv1alpha1.Notebook, replicas int32) workload.ServedSetSpec {
	p := port(nb)
	selector := map[string]string{NameLabel: nb.Name}
	own := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: selector},
		Spec: corev1.PodSpec{
			Volumes: []corev1.Volume{{
				Name: WorkspaceVolume,
				VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{
					ClaimName: WorkspaceClaimName(nb.Name),
				}},
			}},
			Containers: []corev1.Container{{
				Name: ContainerName,
				Env: []corev1.EnvVar{
					{Name: "ML_NOTEBOOK_NAME", Value: nb.Name},
					{Name: "ML_NOTEBOOK_URL", Value: URL(nb)},
				},
				Ports:        []corev1.ContainerPort{{Name: PortName, ContainerPort: p, Protocol: corev1.ProtocolTCP}},
				VolumeMounts: []corev1.VolumeMount{{Name: WorkspaceVolume, MountPath: workspace(nb).MountPath}},
			}},
		},
	}
	return workload.ServedSetSpec{
		Name:        nb.Name,
		Labels:      selector,
		Selector:    selector,
		Replicas:    replicas,
		Template:    workload.PodTemplate(own, &nb.Spec.ContainerSpec, &nb.Spec.PodOptions),
		Stable:      true,
		ServiceName: nb.Name,
	}
}

// service is the notebook's Service.
func service(nb *mlv1alpha1.Notebook) workload.ServiceSpec {
	return workload.NamedPortService(nb.Name, map[string]string{NameLabel: nb.Name}, PortName, port(nb))
}
