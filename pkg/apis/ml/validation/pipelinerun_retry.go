package validation

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// validateRetryOf checks a run that retries another: it executes the
// snapshot and params of the named run, so it names no pipeline and gives
// no params of its own. Admission checks that the named run exists and
// has ended.
func validateRetryOf(spec *ml.PipelineRunSpec, fldPath *field.Path) field.ErrorList {
	allErrs := validateLocalObjectReference(spec.RetryOf, fldPath.Child("retryOf"))
	const why = "may not be set together with retryOf: a retry runs the pipeline and params of the run it retries"
	if spec.PipelineRef != nil {
		allErrs = append(allErrs, field.Forbidden(fldPath.Child("pipelineRef"), why))
	}
	if spec.PipelineSpec != nil {
		allErrs = append(allErrs, field.Forbidden(fldPath.Child("pipelineSpec"), why))
	}
	if len(spec.Params) > 0 {
		allErrs = append(allErrs, field.Forbidden(fldPath.Child("params"), why))
	}
	return allErrs
}
