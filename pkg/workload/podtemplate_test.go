package workload

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload/podtemplatetest"
)

func TestPodTemplate(t *testing.T) {
	opts := &mlv1alpha1.PodOptions{
		PodMetadata:        &mlv1alpha1.PodMetadata{Labels: map[string]string{"team": "x", "app": "mine"}, Annotations: map[string]string{"a": "theirs", "b": "c"}},
		ServiceAccountName: "runner",
		NodeSelector:       map[string]string{"gpu": "a100"},
		Tolerations:        []corev1.Toleration{{Key: "gpu", Operator: corev1.TolerationOpExists}},
		Volumes:            []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}}},
		VolumeMounts:       []corev1.VolumeMount{{Name: "data", MountPath: "/data"}},
		ImagePullSecrets:   []corev1.LocalObjectReference{{Name: "pull"}},
		SecurityContext:    &corev1.SecurityContext{RunAsNonRoot: ptr.To(true)},
		PodSecurityContext: &corev1.PodSecurityContext{FSGroup: ptr.To[int64](100)},
	}
	c := &mlv1alpha1.ContainerSpec{
		Image: "img", Command: []string{"serve"}, Args: []string{"--v"},
		Env:       []corev1.EnvVar{{Name: "B", Value: "user"}},
		Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}},
	}
	own := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "ours"}, Annotations: map[string]string{"a": "ours"}},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Volumes:       []corev1.Volume{{Name: "own"}},
			Containers: []corev1.Container{{
				Name:         "server",
				Env:          []corev1.EnvVar{{Name: "A", Value: "injected"}, {Name: "B", Value: "injected"}},
				VolumeMounts: []corev1.VolumeMount{{Name: "own", MountPath: "/own"}},
			}},
		},
	}
	got := PodTemplate(own, c, opts)
	want := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{
			Labels:      map[string]string{"team": "x", "app": "ours"},
			Annotations: map[string]string{"a": "ours", "b": "c"},
		},
		Spec: corev1.PodSpec{
			RestartPolicy:      corev1.RestartPolicyNever,
			ServiceAccountName: "runner",
			NodeSelector:       opts.NodeSelector,
			Tolerations:        opts.Tolerations,
			Volumes:            append([]corev1.Volume{{Name: "own"}}, opts.Volumes...),
			ImagePullSecrets:   opts.ImagePullSecrets,
			SecurityContext:    opts.PodSecurityContext,
			Containers: []corev1.Container{{
				Name: "server", Image: "img", Command: []string{"serve"}, Args: []string{"--v"},
				Env:             []corev1.EnvVar{{Name: "A", Value: "injected"}, {Name: "B", Value: "user"}},
				Resources:       c.Resources,
				VolumeMounts:    []corev1.VolumeMount{{Name: "own", MountPath: "/own"}, {Name: "data", MountPath: "/data"}},
				SecurityContext: opts.SecurityContext,
			}},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("template (-want +got):\n%s", diff)
	}
	if len(own.Spec.Containers[0].VolumeMounts) != 1 || len(own.Spec.Volumes) != 1 || len(own.Labels) != 1 || own.Annotations["a"] != "ours" {
		t.Errorf("PodTemplate changed its argument: %+v", own)
	}
	got.Spec.NodeSelector["gpu"] = "changed"
	got.Spec.Containers[0].Command[0] = "changed"
	got.Labels["team"] = "changed"
	if opts.NodeSelector["gpu"] != "a100" || c.Command[0] != "serve" || opts.PodMetadata.Labels["team"] != "x" {
		t.Errorf("the template shares memory with the user's fields")
	}

	bare := PodTemplate(corev1.PodTemplateSpec{}, &mlv1alpha1.ContainerSpec{Image: "img"}, &mlv1alpha1.PodOptions{})
	if len(bare.Spec.Containers) != 1 || bare.Spec.Containers[0].Image != "img" || bare.Annotations != nil || bare.Spec.Containers[0].Env != nil {
		t.Errorf("template without options = %+v", bare)
	}
}

func TestMergeEnv(t *testing.T) {
	injected := []corev1.EnvVar{{Name: "A", Value: "injected"}, {Name: "B", Value: "injected"}}
	user := []corev1.EnvVar{{Name: "B", Value: "user"}, {Name: "C", Value: "user"}}
	want := []corev1.EnvVar{{Name: "A", Value: "injected"}, {Name: "B", Value: "user"}, {Name: "C", Value: "user"}}
	if diff := cmp.Diff(want, MergeEnv(injected, user)); diff != "" {
		t.Errorf("env (-want +got):\n%s", diff)
	}
}

// TestPodTemplateFields: every field of ContainerSpec and PodOptions
// reaches the template, over a kind's own template.
func TestPodTemplateFields(t *testing.T) {
	own := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "ours"}, Annotations: map[string]string{"a": "ours"}},
		Spec: corev1.PodSpec{
			Volumes: []corev1.Volume{{Name: "own"}},
			Containers: []corev1.Container{{
				Name:         "main",
				Env:          []corev1.EnvVar{{Name: "INJECTED", Value: "1"}},
				VolumeMounts: []corev1.VolumeMount{{Name: "own", MountPath: "/own"}},
			}},
		},
	}
	podtemplatetest.CheckFields(t, func(_ *testing.T, c *mlv1alpha1.ContainerSpec, opts *mlv1alpha1.PodOptions) corev1.PodTemplateSpec {
		return PodTemplate(own, c, opts)
	}, nil)
}
