package validation

import (
	"fmt"
	"net/url"
	"path"
	"reflect"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// validateURI accepts an absolute path or a URI with a scheme, such as
// s3://bucket/model or pvc://claim/path.
func validateURI(uri string, fldPath *field.Path) field.ErrorList {
	u, err := url.Parse(uri)
	if err != nil {
		return field.ErrorList{field.Invalid(fldPath, uri, fmt.Sprintf("must be a valid URI: %v", err))}
	}
	if u.Scheme == "" && !path.IsAbs(uri) {
		return field.ErrorList{field.Invalid(fldPath, uri, "must be an absolute path or a URI with a scheme, such as s3://bucket/model or pvc://claim/path")}
	}
	return nil
}

// validatePort checks a port when it is set; 0 means the default port.
func validatePort(port int32, fldPath *field.Path) field.ErrorList {
	if port == 0 {
		return nil
	}
	return validatePortNumber(port, fldPath)
}

// validatePortNumber requires a port in 1..65535.
func validatePortNumber(port int32, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for _, msg := range validation.IsValidPortNum(int(port)) {
		allErrs = append(allErrs, field.Invalid(fldPath, port, msg))
	}
	return allErrs
}

// validateMinimum checks an optional integer against a lower bound.
func validateMinimum[T int32 | int64](v *T, minimum T, fldPath *field.Path) field.ErrorList {
	if v != nil && *v < minimum {
		return field.ErrorList{field.Invalid(fldPath, *v, fmt.Sprintf("must be greater than or equal to %d", minimum))}
	}
	return nil
}

// validateLocalObjectReference requires the name of an object in the same
// namespace; names follow the DNS subdomain rule of all ml.example.io kinds.
func validateLocalObjectReference(ref *ml.LocalObjectReference, fldPath *field.Path) field.ErrorList {
	namePath := fldPath.Child("name")
	if ref.Name == "" {
		return field.ErrorList{field.Required(namePath, "")}
	}
	var allErrs field.ErrorList
	for _, msg := range validation.IsDNS1123Subdomain(ref.Name) {
		allErrs = append(allErrs, field.Invalid(namePath, ref.Name, msg))
	}
	return allErrs
}

// setPointerFields counts the non-nil pointer fields of a struct, which is
// how one-of structs such as VolumeSource and EnvVarSource say which member
// is used.
func setPointerFields(structPtr any) int {
	v := reflect.ValueOf(structPtr).Elem()
	n := 0
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.Pointer && !f.IsNil() {
			n++
		}
	}
	return n
}

// validatePositiveDuration checks that an optional duration, when set,
// parses and is greater than zero, and returns its value.
func validatePositiveDuration(d ml.Duration, fldPath *field.Path) (time.Duration, field.ErrorList) {
	if d == "" {
		return 0, nil
	}
	v, err := d.Parse()
	if err != nil {
		return 0, field.ErrorList{field.Invalid(fldPath, d, err.Error())}
	}
	if v <= 0 {
		return 0, field.ErrorList{field.Invalid(fldPath, d, "must be greater than zero")}
	}
	return v, nil
}
