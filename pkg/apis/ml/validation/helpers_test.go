package validation_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/validation/field"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

// checkErrors compares the field and type of each error with want, given
// as "<field>: <type>" (see mltesting.FieldErrors).
func checkErrors(t *testing.T, want []string, errs field.ErrorList) {
	t.Helper()
	if diff := cmp.Diff(want, mltesting.FieldErrors(errs)); diff != "" {
		t.Errorf("errors (-want +got):\n%s\nfull errors: %v", diff, errs.ToAggregate())
	}
}

// checkMessages compares the full text of each error with want.
func checkMessages(t *testing.T, want []string, errs field.ErrorList) {
	t.Helper()
	var got []string
	for _, e := range errs {
		got = append(got, e.Error())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("error messages (-want +got):\n%s", diff)
	}
}

// opts are the caps of a server with the default flags.
var opts = validation.DefaultOptions()
