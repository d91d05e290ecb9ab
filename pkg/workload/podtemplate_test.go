package workload

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

func TestPodTemplate(t *testing.T) {
	opts := &mlv1alpha1.PodOptions{
		PodMetadata:        &mlv1alpha1.PodMetadata{Labels: map[string]string{"team": "x", "app": "mine"}, Annotations: map[string]string{"a": "b"}},
		ServiceAccountName: "runner",
		NodeSelector:       map[string]string{"gpu": "a100"},
		Tolerations:        []corev1.Toleration{{Key: "gpu", Operator: corev1.TolerationOpExists}},
		Volumes:            []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}}},
		VolumeMounts:       []corev1.VolumeMount{{Name: "data", MountPath: "/data"}},
		ImagePullSecrets:   []corev1.LocalObjectReference{{Name: "pull"}},
		SecurityContext:    &corev1.SecurityContext{RunAsNonRoot: ptr.To(true)},
		PodSecurityContext: &corev1.PodSecurityContext{FSGroup: ptr.To[int64](100)},
	}
	main := corev1.Container{Name: "server", Image: "img", VolumeMounts: []corev1.VolumeMount{{Name: "own", MountPath: "/own"}}}
	got := PodTemplate(map[string]string{"app": "ours"}, opts, main)
	want := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"team": "x", "app": "ours"}, Annotations: map[string]string{"a": "b"}},
		Spec: corev1.PodSpec{
			ServiceAccountName: "runner",
			NodeSelector:       opts.NodeSelector,
			Tolerations:        opts.Tolerations,
			Volumes:            opts.Volumes,
			ImagePullSecrets:   opts.ImagePullSecrets,
			SecurityContext:    opts.PodSecurityContext,
			Containers: []corev1.Container{{
				Name: "server", Image: "img",
				VolumeMounts:    []corev1.VolumeMount{{Name: "own", MountPath: "/own"}, {Name: "data", MountPath: "/data"}},
				SecurityContext: opts.SecurityContext,
			}},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("template (-want +got):\n%s", diff)
	}
	if len(main.VolumeMounts) != 1 {
		t.Errorf("PodTemplate changed its argument's mounts: %v", main.VolumeMounts)
	}
	if got := PodTemplate(nil, &mlv1alpha1.PodOptions{}, main); got.Spec.Containers[0].Name != "server" {
		t.Errorf("template without options = %+v", got)
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
