package api

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
)

func TestPatch(t *testing.T) {
	forEachKind(t, func(t *testing.T, ctx context.Context, k mltesting.Kind, c mltesting.Client) {
		fieldPointer := "/" + strings.Join(k.Field, "/")
		tests := []struct {
			name  string
			pt    types.PatchType
			patch any
		}{
			{
				name:  "merge",
				pt:    types.MergePatchType,
				patch: mergePatch(k.Field, k.Values[1], "merge"),
			},
			{
				name: "json",
				pt:   types.JSONPatchType,
				// The test operation makes the patch fail unless the
				// server applies it to the stored object.
				patch: []map[string]any{
					{"op": "test", "path": fieldPointer, "value": k.Values[0]},
					{"op": "replace", "path": fieldPointer, "value": k.Values[1]},
					{"op": "add", "path": "/metadata/labels/patched", "value": "json"},
				},
			},
			{
				name:  "strategic",
				pt:    types.StrategicMergePatchType,
				patch: mergePatch(k.Field, k.Values[1], "strategic"),
			},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				name := "patch-" + tc.name
				obj := k.New(name, "")
				obj.SetLabels(map[string]string{"app": "demo"})
				created, err := c.Create(ctx, obj, metav1.CreateOptions{})
				if err != nil {
					t.Fatalf("create: %v", err)
				}
				data, err := json.Marshal(tc.patch)
				if err != nil {
					t.Fatal(err)
				}
				patched, err := c.Patch(ctx, name, tc.pt, data, metav1.PatchOptions{})
				if err != nil {
					t.Fatalf("patch %s: %v", data, err)
				}
				got, err := c.Get(ctx, name, metav1.GetOptions{})
				if err != nil {
					t.Fatalf("get: %v", err)
				}
				if diff := cmp.Diff(patched, got); diff != "" {
					t.Errorf("get after patch differs from the patch response (-want +got):\n%s", diff)
				}
				if v := mltesting.FieldValue(t, got, k.Field...); !cmp.Equal(k.Values[1], v) {
					t.Errorf("patched %v (-want +got):\n%s", k.Field, cmp.Diff(k.Values[1], v))
				}
				wantLabels := map[string]string{"app": "demo", "patched": tc.name}
				if diff := cmp.Diff(wantLabels, got.GetLabels()); diff != "" {
					t.Errorf("labels after patch (-want +got):\n%s", diff)
				}
				if got.GetGeneration() != created.GetGeneration()+1 {
					t.Errorf("generation after a spec patch = %d, want %d", got.GetGeneration(), created.GetGeneration()+1)
				}
			})
		}
	})
}

// mergePatch returns a merge patch that sets the field at path to value
// and adds the label patched=label.
func mergePatch(path []string, value any, label string) map[string]any {
	patch := map[string]any{"metadata": map[string]any{"labels": map[string]any{"patched": label}}}
	m := patch
	for _, p := range path[:len(path)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[path[len(path)-1]] = value
	return patch
}
