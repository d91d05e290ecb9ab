package servingruntimeresolve

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

func TestMerge(t *testing.T) {
	probe := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready"}}}
	rt := &ml.ServingRuntimeSpec{
		Container: ml.ModelRuntime{
			Image: "server:v1", Command: []string{"serve"}, Args: []string{"--workers=2"}, Port: 9000,
			Env:            []corev1.EnvVar{{Name: "A", Value: "runtime"}, {Name: "B", Value: "runtime"}},
			ReadinessProbe: probe,
		},
		Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
			corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("1Gi"),
		}},
	}

	t.Run("name only", func(t *testing.T) {
		spec := &ml.ModelSpec{Format: "sklearn"}
		Merge(spec, rt)
		want := rt.Container
		if diff := cmp.Diff(want, spec.Runtime); diff != "" {
			t.Errorf("runtime (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(rt.Resources, spec.Resources); diff != "" {
			t.Errorf("resources (-want +got):\n%s", diff)
		}
		spec.Runtime.Env[0].Value = "changed"
		if rt.Container.Env[0].Value != "runtime" {
			t.Errorf("Merge shares the runtime's env with the Model")
		}
	})

	t.Run("model overrides", func(t *testing.T) {
		spec := &ml.ModelSpec{
			Runtime: ml.ModelRuntime{
				Args: []string{"--workers=8"}, Port: 7000,
				Env: []corev1.EnvVar{{Name: "B", Value: "model"}, {Name: "C", Value: "model"}},
			},
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("4Gi")}},
		}
		Merge(spec, rt)
		want := ml.ModelRuntime{
			Image: "server:v1", Command: []string{"serve"}, Args: []string{"--workers=8"}, Port: 7000,
			Env:            []corev1.EnvVar{{Name: "A", Value: "runtime"}, {Name: "B", Value: "model"}, {Name: "C", Value: "model"}},
			ReadinessProbe: probe,
		}
		if diff := cmp.Diff(want, spec.Runtime); diff != "" {
			t.Errorf("runtime (-want +got):\n%s", diff)
		}
		wantRes := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("4Gi")}
		if diff := cmp.Diff(wantRes, spec.Resources.Requests); diff != "" {
			t.Errorf("requests (-want +got):\n%s", diff)
		}
		if got := rt.Resources.Requests[corev1.ResourceMemory]; got.String() != "1Gi" {
			t.Errorf("Merge changed the runtime's requests: memory %s", got.String())
		}
	})
}

// Re-applying a manifest that named only the format keeps the resolved
// server; a changed field wins; another format or runtime keeps nothing.
func TestKeepSnapshot(t *testing.T) {
	resolved := ml.ModelSpec{
		Format:     "sklearn",
		RuntimeRef: &ml.ServingRuntimeRef{Kind: ml.ClusterServingRuntimeKind, Name: "sk"},
		Runtime:    ml.ModelRuntime{Image: "sk:v1", Port: 9000, Env: []corev1.EnvVar{{Name: "A", Value: "1"}}},
	}
	spec := &ml.ModelSpec{Format: "sklearn", Runtime: ml.ModelRuntime{Env: []corev1.EnvVar{{Name: "A", Value: "2"}}}}
	KeepSnapshot(spec, &resolved)
	want := ml.ModelSpec{Format: "sklearn", RuntimeRef: resolved.RuntimeRef,
		Runtime: ml.ModelRuntime{Image: "sk:v1", Port: 9000, Env: []corev1.EnvVar{{Name: "A", Value: "2"}}}}
	if diff := cmp.Diff(want, *spec); diff != "" {
		t.Errorf("spec (-want +got):\n%s", diff)
	}

	other := &ml.ModelSpec{Format: "onnx"}
	KeepSnapshot(other, &resolved)
	if other.RuntimeRef != nil || other.Runtime.Image != "" {
		t.Errorf("an update to another format kept the old server: %+v", other)
	}
	edited := &ml.ModelSpec{Format: "sklearn", RuntimeRef: resolved.RuntimeRef, Runtime: ml.ModelRuntime{Image: "sk:v2"}}
	KeepSnapshot(edited, &resolved)
	if edited.Runtime.Port != 0 || len(edited.Runtime.Env) != 0 {
		t.Errorf("an update carrying its server got the old one merged in: %+v", edited.Runtime)
	}
	named := &ml.ModelSpec{Format: "sklearn", RuntimeRef: &ml.ServingRuntimeRef{Name: "other"}}
	KeepSnapshot(named, &resolved)
	if named.Runtime.Image != "" {
		t.Errorf("an update naming another runtime kept the old server: %+v", named)
	}
}
