package notebook

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload/podtemplatetest"
)

// TestServedSetFields: every container and pod field of the spec reaches
// the notebook's pod, next to its workspace.
func TestServedSetFields(t *testing.T) {
	podtemplatetest.CheckFields(t, func(t *testing.T, c *mlv1alpha1.ContainerSpec, opts *mlv1alpha1.PodOptions) corev1.PodTemplateSpec {
		nb := makeNotebook("a")
		nb.Spec.ContainerSpec, nb.Spec.PodOptions = *c, *opts
		pod := servedSet(nb, 1).Template
		if v := pod.Spec.Volumes; len(v) == 0 || v[0].Name != WorkspaceVolume {
			t.Errorf("the workspace is not the pod's first volume: %+v", v)
		}
		return pod
	}, nil)
}
