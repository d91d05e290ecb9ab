package testing

import (
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// FieldErrors summarizes validation errors as "<field>: <type>" strings,
// such as "spec.replicas: Invalid value", for tests to compare with
// cmp.Diff. It returns nil when there are no errors.
func FieldErrors(errs field.ErrorList) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Field+": "+e.Type.String())
	}
	return out
}
