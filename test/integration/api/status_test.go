package api

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
)

// want is what the status tests expect of an object.
type want struct {
	Generation int64
	Phase      string
	Field      any
}

func observe(t *testing.T, k mltesting.Kind, obj mltesting.Object) want {
	t.Helper()
	return want{Generation: obj.GetGeneration(), Phase: mltesting.Phase(t, obj), Field: mltesting.FieldValue(t, obj, k.Field...)}
}

// checkStored compares the response of a write and the stored object with w.
func checkStored(t *testing.T, ctx context.Context, k mltesting.Kind, c mltesting.Client, step string, resp mltesting.Object, w want) {
	t.Helper()
	if diff := cmp.Diff(w, observe(t, k, resp)); diff != "" {
		t.Errorf("%s: response (-want +got):\n%s", step, diff)
	}
	stored, err := c.Get(ctx, resp.GetName(), metav1.GetOptions{})
	if err != nil {
		t.Fatalf("%s: get: %v", step, err)
	}
	if diff := cmp.Diff(w, observe(t, k, stored)); diff != "" {
		t.Errorf("%s: stored object (-want +got):\n%s", step, diff)
	}
}

func TestCreateDropsStatus(t *testing.T) {
	forEachKind(t, func(t *testing.T, ctx context.Context, k mltesting.Kind, c mltesting.Client) {
		obj := mltesting.WithPhase(t, k.New("with-status", ""), k.Phases[0])
		created, err := c.Create(ctx, obj, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		checkStored(t, ctx, k, c, "create with a status", created, want{Generation: 1, Phase: "", Field: k.Values[0]})
	})
}

func TestStatusWritesKeepSpec(t *testing.T) {
	forEachKind(t, func(t *testing.T, ctx context.Context, k mltesting.Kind, c mltesting.Client) {
		created, err := c.Create(ctx, k.New("status-write", ""), metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		obj := mltesting.WithPhase(t, mltesting.WithField(t, created, k.Values[1], k.Field...), k.Phases[0])
		updated, err := c.UpdateStatus(ctx, obj, metav1.UpdateOptions{})
		if err != nil {
			t.Fatalf("update status: %v", err)
		}
		checkStored(t, ctx, k, c, "update status with a changed spec", updated, want{Generation: 1, Phase: k.Phases[0], Field: k.Values[0]})

		patch, err := json.Marshal(map[string]any{"status": map[string]any{"phase": k.Phases[1]}, "spec": mergePatch(k.Field, k.Values[1], "status")["spec"]})
		if err != nil {
			t.Fatal(err)
		}
		patched, err := c.Patch(ctx, "status-write", types.MergePatchType, patch, metav1.PatchOptions{}, "status")
		if err != nil {
			t.Fatalf("patch status %s: %v", patch, err)
		}
		checkStored(t, ctx, k, c, "patch status with a changed spec", patched, want{Generation: 1, Phase: k.Phases[1], Field: k.Values[0]})
	})
}

func TestSpecWritesKeepStatus(t *testing.T) {
	forEachKind(t, func(t *testing.T, ctx context.Context, k mltesting.Kind, c mltesting.Client) {
		created, err := c.Create(ctx, k.New("spec-write", ""), metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		withStatus, err := c.UpdateStatus(ctx, mltesting.WithPhase(t, created, k.Phases[0]), metav1.UpdateOptions{})
		if err != nil {
			t.Fatalf("update status: %v", err)
		}
		obj := mltesting.WithField(t, mltesting.WithPhase(t, withStatus, k.Phases[1]), k.Values[1], k.Field...)
		updated, err := c.Update(ctx, obj, metav1.UpdateOptions{})
		if err != nil {
			t.Fatalf("update: %v", err)
		}
		checkStored(t, ctx, k, c, "update with a changed status", updated, want{Generation: 2, Phase: k.Phases[0], Field: k.Values[1]})

		patch, err := json.Marshal(map[string]any{"status": map[string]any{"phase": k.Phases[1]}})
		if err != nil {
			t.Fatal(err)
		}
		patched, err := c.Patch(ctx, "spec-write", types.MergePatchType, patch, metav1.PatchOptions{})
		if err != nil {
			t.Fatalf("patch %s: %v", patch, err)
		}
		checkStored(t, ctx, k, c, "patch of the main resource changing status", patched, want{Generation: 2, Phase: k.Phases[0], Field: k.Values[1]})
	})
}

func TestGenerationCountsSpecChanges(t *testing.T) {
	forEachKind(t, func(t *testing.T, ctx context.Context, k mltesting.Kind, c mltesting.Client) {
		obj, err := c.Create(ctx, k.New("generation", ""), metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		steps := []struct {
			name   string
			write  func(obj mltesting.Object) (mltesting.Object, error)
			wantGn int64
		}{
			{"label change", func(obj mltesting.Object) (mltesting.Object, error) {
				obj.SetLabels(map[string]string{"changed": "label"})
				return c.Update(ctx, obj, metav1.UpdateOptions{})
			}, 1},
			{"annotation change", func(obj mltesting.Object) (mltesting.Object, error) {
				obj.SetAnnotations(map[string]string{"changed": "annotation"})
				return c.Update(ctx, obj, metav1.UpdateOptions{})
			}, 1},
			{"status change", func(obj mltesting.Object) (mltesting.Object, error) {
				return c.UpdateStatus(ctx, mltesting.WithPhase(t, obj, k.Phases[0]), metav1.UpdateOptions{})
			}, 1},
			{"spec change", func(obj mltesting.Object) (mltesting.Object, error) {
				return c.Update(ctx, mltesting.WithField(t, obj, k.Values[1], k.Field...), metav1.UpdateOptions{})
			}, 2},
			{"unchanged update", func(obj mltesting.Object) (mltesting.Object, error) {
				return c.Update(ctx, obj, metav1.UpdateOptions{})
			}, 2},
			{"second status change", func(obj mltesting.Object) (mltesting.Object, error) {
				return c.UpdateStatus(ctx, mltesting.WithPhase(t, obj, k.Phases[1]), metav1.UpdateOptions{})
			}, 2},
			{"spec change back", func(obj mltesting.Object) (mltesting.Object, error) {
				return c.Update(ctx, mltesting.WithField(t, obj, k.Values[0], k.Field...), metav1.UpdateOptions{})
			}, 3},
		}
		if obj.GetGeneration() != 1 {
			t.Errorf("generation after create = %d, want 1", obj.GetGeneration())
		}
		for _, step := range steps {
			obj, err = step.write(obj)
			if err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			if obj.GetGeneration() != step.wantGn {
				t.Errorf("generation after %s = %d, want %d", step.name, obj.GetGeneration(), step.wantGn)
			}
		}
	})
}
