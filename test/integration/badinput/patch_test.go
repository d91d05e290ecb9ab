package badinput

import (
	"net/http"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
)

// TestJSONPatchNamesFailingOperation sends JSON patches that cannot apply:
// the 422 names the operation at fault by index, op and path, and nothing
// changes.
func TestJSONPatchNamesFailingOperation(t *testing.T) {
	ctx, cs, ns := setup(t)
	pipelines := cs.MlV1alpha1().Pipelines(ns)
	p, err := pipelines.Create(ctx, mltesting.NewPipeline("p", ns).Description("first").Obj(), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, patch  string
		subresources []string
		want         []string
	}{
		{name: "unknown op", patch: `[{"op":"frobnicate","path":"/spec/x"}]`,
			want: []string{`json patch operation 0 (frobnicate /spec/x): unknown op "frobnicate"`}},
		{name: "op without value", patch: `[{"op":"test","path":"/spec/description","value":"first"},{"op":"replace","path":"/spec/description"}]`,
			want: []string{`json patch operation 1 (replace /spec/description): "replace" needs a "value"`}},
		{name: "path not a pointer", patch: `[{"op":"remove","path":"spec"}]`,
			want: []string{`json patch operation 0 (remove spec): "path" "spec" must be a JSON pointer`}},
		{name: "failing test", patch: `[{"op":"replace","path":"/spec/description","value":"x"},{"op":"test","path":"/spec/description","value":"y"}]`,
			want: []string{`json patch operation 1 (test /spec/description): `, "test failed"}},
		{name: "missing path", patch: `[{"op":"replace","path":"/spec/nothere/x","value":1}]`,
			want: []string{`json patch operation 0 (replace /spec/nothere/x): `, "missing"}},
		{name: "failing test on status", patch: `[{"op":"test","path":"/metadata/name","value":"q"}]`, subresources: []string{"status"},
			want: []string{`json patch operation 0 (test /metadata/name): `}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pipelines.Patch(ctx, "p", types.JSONPatchType, []byte(tc.patch), metav1.PatchOptions{}, tc.subresources...)
			expectStatus(t, err, http.StatusUnprocessableEntity, tc.want...)
			if !apierrors.IsInvalid(err) {
				t.Errorf("want reason Invalid, got %v", apierrors.ReasonForError(err))
			}
		})
	}
	got, err := pipelines.Get(ctx, "p", metav1.GetOptions{})
	if err != nil || got.ResourceVersion != p.ResourceVersion {
		t.Errorf("a refused patch changed the pipeline: %v, %v", got, err)
	}

	// A patch that applies still does, and one that applies but makes the
	// object invalid keeps its validation answer.
	got, err = pipelines.Patch(ctx, "p", types.JSONPatchType, []byte(`[{"op":"test","path":"/spec/description","value":"first"},{"op":"replace","path":"/spec/description","value":"second"}]`), metav1.PatchOptions{})
	if err != nil || got.Spec.Description != "second" {
		t.Fatalf("valid patch: %v, %v", got, err)
	}
	_, err = pipelines.Patch(ctx, "p", types.JSONPatchType, []byte(`[{"op":"remove","path":"/spec/tasks"}]`), metav1.PatchOptions{})
	expectInvalid(t, err, "spec.tasks")
}
