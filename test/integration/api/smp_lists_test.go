package api

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
)

// Lists declared as maps (listType=map) merge by their key under a
// strategic merge patch, as kubectl patch and kubectl apply expect: an entry
// named in the patch changes, the others stay.
func TestStrategicMergePatchMergesListsByKey(t *testing.T) {
	t.Run("pipeline tasks by name", func(t *testing.T) {
		ctx, cs, ns := setup(t)
		pipelines := cs.MlV1alpha1().Pipelines(ns)
		created, err := pipelines.Create(ctx, mltesting.NewPipeline("merge-tasks", ns).Task("prepare").Task("train", "prepare").Obj(), metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		patch := []byte(`{"spec":{"tasks":[{"name":"train","image":"ghcr.io/example/trainer:2"}]}}`)
		patched, err := pipelines.Patch(ctx, "merge-tasks", types.StrategicMergePatchType, patch, metav1.PatchOptions{})
		if err != nil {
			t.Fatalf("patch %s: %v", patch, err)
		}
		want := created.Spec.DeepCopy()
		want.Tasks[1].Image = "ghcr.io/example/trainer:2"
		if diff := cmp.Diff(want, &patched.Spec); diff != "" {
			t.Errorf("spec after patching one task (-want +got):\n%s", diff)
		}
	})

	t.Run("notebook env by name", func(t *testing.T) {
		ctx, cs, ns := setup(t)
		notebooks := cs.MlV1alpha1().Notebooks(ns)
		nb := mltesting.NewNotebook("merge-env", ns).Obj()
		nb.Spec.Env = []corev1.EnvVar{{Name: "A", Value: "1"}, {Name: "B", Value: "2"}}
		created, err := notebooks.Create(ctx, nb, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		patch := []byte(`{"spec":{"env":[{"name":"B","value":"3"},{"name":"C","value":"4"}]}}`)
		patched, err := notebooks.Patch(ctx, "merge-env", types.StrategicMergePatchType, patch, metav1.PatchOptions{})
		if err != nil {
			t.Fatalf("patch %s: %v", patch, err)
		}
		want := created.Spec.DeepCopy()
		want.Env = []corev1.EnvVar{{Name: "A", Value: "1"}, {Name: "B", Value: "3"}, {Name: "C", Value: "4"}}
		if diff := cmp.Diff(want, &patched.Spec); diff != "" {
			t.Errorf("spec after patching env (-want +got):\n%s", diff)
		}
	})

	t.Run("an empty patch keeps the lists", func(t *testing.T) {
		ctx, cs, ns := setup(t)
		pipelines := cs.MlV1alpha1().Pipelines(ns)
		created, err := pipelines.Create(ctx, mltesting.NewPipeline("keep", ns).Task("prepare").Task("train", "prepare").Obj(), metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		patched, err := pipelines.Patch(ctx, "keep", types.StrategicMergePatchType, []byte(`{"metadata":{"labels":{"a":"b"}}}`), metav1.PatchOptions{})
		if err != nil {
			t.Fatalf("patch: %v", err)
		}
		if diff := cmp.Diff(created.Spec, patched.Spec); diff != "" {
			t.Errorf("a label patch changed the spec (-want +got):\n%s", diff)
		}
	})
}
