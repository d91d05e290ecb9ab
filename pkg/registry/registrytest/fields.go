package registrytest

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/storage"

	"ml.example.io/ml-apiserver/pkg/apis/ml"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
)

// ConvertFieldLabel converts a field selector label of kind the way the
// server does before it reaches the registry. It returns an error for a
// label the kind cannot be selected by.
func ConvertFieldLabel(kind, label string) error {
	gvk := mlv1alpha1.SchemeGroupVersion.WithKind(kind)
	gotLabel, gotValue, err := scheme.Scheme.ConvertFieldLabel(gvk, label, "value")
	if err != nil {
		return err
	}
	if gotLabel != label || gotValue != "value" {
		return fmt.Errorf("%s=value converted to %s=%s", label, gotLabel, gotValue)
	}
	return nil
}

// CheckSelectableFieldsConvert fails the test unless the API accepts every
// field the registry offers for selection: a field missing from the field
// label conversion could never be selected by a client.
func CheckSelectableFieldsConvert(t *testing.T, kind string, selectable fields.Set) {
	t.Helper()
	for label := range selectable {
		if err := ConvertFieldLabel(kind, label); err != nil {
			t.Errorf("selectable field %s of %s: %v", label, kind, err)
		}
	}
}

// AttrsCase is one case of a kind's GetAttrs table test.
type AttrsCase struct {
	// Obj is the object whose attributes are read.
	Obj runtime.Object
	// WantLabels and WantFields are the attributes GetAttrs must return.
	WantLabels labels.Set
	WantFields fields.Set
}

// RunAttrsTests runs a kind's GetAttrs table test, and checks that every
// returned field is accepted by the kind's field label conversion.
func RunAttrsTests(t *testing.T, kind string, getAttrs storage.AttrFunc, tests map[string]AttrsCase) {
	t.Helper()
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			gotLabels, gotFields, err := getAttrs(tc.Obj)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.WantLabels, gotLabels); diff != "" {
				t.Errorf("labels (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.WantFields, gotFields); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			CheckSelectableFieldsConvert(t, kind, gotFields)
		})
	}
	t.Run("another kind", func(t *testing.T) {
		other := runtime.Object(&ml.Pipeline{})
		if kind == "Pipeline" {
			other = &ml.Model{}
		}
		if _, _, err := getAttrs(other); err == nil {
			t.Errorf("GetAttrs of a %T: want an error", other)
		}
	})
}

// RunFieldLabelTests checks which field selector labels the API accepts for
// kind: each label in tests maps to the error wanted, "" for none.
func RunFieldLabelTests(t *testing.T, kind string, tests map[string]string) {
	t.Helper()
	for label, wantErr := range tests {
		t.Run(label, func(t *testing.T) {
			gotErr := ""
			if err := ConvertFieldLabel(kind, label); err != nil {
				gotErr = err.Error()
			}
			if diff := cmp.Diff(wantErr, gotErr); diff != "" {
				t.Errorf("ConvertFieldLabel(%s) error (-want +got):\n%s", label, diff)
			}
		})
	}
}
