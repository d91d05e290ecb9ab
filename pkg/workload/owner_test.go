package workload

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestOwnerControls(t *testing.T) {
	kind := schema.GroupVersionKind{Group: "ml.example.io", Version: "v1alpha1", Kind: "TrainingJob"}
	owner := NewOwner(&metav1.ObjectMeta{Name: "a", Namespace: "ns", UID: "u"}, kind, map[string]string{"k": "a"})
	ref := owner.ControllerRef()
	if ref.Controller == nil || !*ref.Controller || ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion {
		t.Errorf("controller reference %+v must be controller and block owner deletion", ref)
	}
	cases := []struct {
		name   string
		change func(*metav1.OwnerReference)
		want   bool
	}{
		{"its reference", func(*metav1.OwnerReference) {}, true},
		{"another version of the group", func(r *metav1.OwnerReference) { r.APIVersion = "ml.example.io/v1beta1" }, true},
		{"another group", func(r *metav1.OwnerReference) { r.APIVersion = "batch/v1" }, false},
		{"another kind", func(r *metav1.OwnerReference) { r.Kind = "Model" }, false},
		{"another object of the same name", func(r *metav1.OwnerReference) { r.UID = "v" }, false},
	}
	for _, tc := range cases {
		r := owner.ControllerRef()
		tc.change(&r)
		if got := owner.Controls(&r); got != tc.want {
			t.Errorf("%s: Controls = %v, want %v", tc.name, got, tc.want)
		}
	}
	if owner.Controls(nil) {
		t.Errorf("Controls(nil) = true")
	}
	if got := owner.Selector().String(); got != "k=a" {
		t.Errorf("selector = %q", got)
	}
}
