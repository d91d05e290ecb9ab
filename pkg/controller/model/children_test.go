package model

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload/podtemplatetest"
)

func TestServedSet(t *testing.T) {
	m := makeModel("a").obj()
	m.Spec.Runtime.Env = []corev1.EnvVar{{Name: "ML_MODEL_FORMAT", Value: "mine"}, {Name: "WORKERS", Value: "4"}}
	m.Spec.Runtime.Args = []string{"--port=8080"}
	m.Spec.NodeSelector = map[string]string{"gpu": "t4"}
	m.Spec.PodMetadata = &mlv1alpha1.PodMetadata{Labels: map[string]string{"team": "x", NameLabel: "spoofed"}}
	set := servedSet(m, TrackCanary, "s3://c/m", 2, PullConfig{HelperImage: "helper:1"})

	if set.Name != "a-canary" || set.Replicas != 2 || set.Stable {
		t.Errorf("set = %s, %d replicas, stable %v", set.Name, set.Replicas, set.Stable)
	}
	wantSelector := map[string]string{NameLabel: "a", TrackLabel: TrackCanary}
	if diff := cmp.Diff(wantSelector, set.Selector); diff != "" {
		t.Errorf("selector (-want +got):\n%s", diff)
	}
	// The controller's labels win over podMetadata's.
	wantLabels := map[string]string{NameLabel: "a", TrackLabel: TrackCanary, "team": "x"}
	if diff := cmp.Diff(wantLabels, set.Template.Labels); diff != "" {
		t.Errorf("pod labels (-want +got):\n%s", diff)
	}
	if set.Template.Spec.NodeSelector["gpu"] != "t4" {
		t.Errorf("node selector = %v", set.Template.Spec.NodeSelector)
	}
	c := set.Template.Spec.Containers[0]
	wantEnv := []corev1.EnvVar{
		{Name: "ML_MODEL_NAME", Value: "a"},
		{Name: "ML_MODEL_URI", Value: "s3://c/m"},
		{Name: "ML_MODEL_PORT", Value: "8080"},
		{Name: "ML_MODEL_TRACK", Value: TrackCanary},
		{Name: "ML_MODEL_PATH", Value: ModelPath},
		{Name: "ML_MODEL_FORMAT", Value: "mine"},
		{Name: "WORKERS", Value: "4"},
	}
	if diff := cmp.Diff(wantEnv, c.Env); diff != "" {
		t.Errorf("env (-want +got):\n%s", diff)
	}
	if c.Name != ContainerName || c.Image != "server:1" || len(c.Args) != 1 ||
		c.Ports[0].ContainerPort != 8080 || c.ReadinessProbe.TCPSocket.Port != intstr.FromString(PortName) {
		t.Errorf("container = %+v", c)
	}

	svc := service(m)
	if svc.Headless || svc.Ports[0].Port != 8080 || svc.Ports[0].TargetPort != intstr.FromString(PortName) {
		t.Errorf("service = %+v", svc)
	}
	if diff := cmp.Diff(map[string]string{NameLabel: "a"}, svc.Selector); diff != "" {
		t.Errorf("service selector (-want +got):\n%s", diff)
	}
}

// TestCanaryWaitingForItsJob checks that a canary whose TrainingJob has not
// succeeded gets no replicas, and that its old Deployment goes.
func TestCanaryWaitingForItsJob(t *testing.T) {
	m := makeModel("a").replicas(4).canary("s3://c", 50).obj()
	f := newFixture(t, m, job("next", mlv1alpha1.TrainingJobRunning, "s3://next"))
	f.sync()
	if f.deployment("a-canary") == nil {
		t.Fatalf("no canary deployment")
	}
	f.update(func(m *mlv1alpha1.Model) {
		m.Spec.Canary.Source = mlv1alpha1.ModelSource{TrainingJobRef: &mlv1alpha1.LocalObjectReference{Name: "next"}}
	})
	f.sync()
	if f.deployment("a-canary") != nil {
		t.Errorf("the canary deployment stays while its job runs")
	}
	if got := *f.deployment("a").Spec.Replicas; got != 4 {
		t.Errorf("stable replicas while the canary waits = %d, want all 4", got)
	}
}

// TestServedSetFields: every container and pod field of the spec reaches
// the pods of the model's Deployments; spec.runtime and spec.resources
// stand for the container fields.
func TestServedSetFields(t *testing.T) {
	podtemplatetest.CheckFields(t, func(_ *testing.T, c *mlv1alpha1.ContainerSpec, opts *mlv1alpha1.PodOptions) corev1.PodTemplateSpec {
		m := makeModel("a").obj()
		rt := &m.Spec.Runtime
		rt.Image, rt.Command, rt.Args, rt.Env = c.Image, c.Command, c.Args, c.Env
		m.Spec.Resources, m.Spec.PodOptions = c.Resources, *opts
		return servedSet(m, TrackStable, "s3://a/m", 1, PullConfig{}).Template
	}, nil)
}
