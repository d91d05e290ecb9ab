package tuningjob

import (
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/tuning/algorithm"
)

var (
	specPath        = field.NewPath("spec")
	parameterScales = []string{string(ml.ScaleLinear), string(ml.ScaleLog)}
)

// validate validates a new TuningJob: the object (pkg/apis validation),
// then its search space and algorithm settings by the algorithms' own
// rules, so the API refuses what the controller could not search.
func validate(obj *ml.TuningJob, opts validation.Options) field.ErrorList {
	return append(validation.ValidateTuningJob(obj, opts), validateSearch(&obj.Spec)...)
}

// validateUpdate validates an update of a TuningJob.
func validateUpdate(obj, old *ml.TuningJob, opts validation.Options) field.ErrorList {
	return append(validation.ValidateTuningJobUpdate(obj, old, opts), validateSearch(&obj.Spec)...)
}

// validateSearch checks spec.parameters with algorithm.ValidateSpace and
// spec.algorithm with algorithm.ValidateSettings; the bounds a numeric
// parameter needs and its scale are checked first, since the algorithms'
// space has no unset bounds or scale names.
func validateSearch(spec *ml.TuningJobSpec) field.ErrorList {
	paramsPath := specPath.Child("parameters")
	var allErrs field.ErrorList
	for i, p := range spec.Parameters {
		pp := paramsPath.Index(i)
		if p.Type != ml.ParameterDouble && p.Type != ml.ParameterInt {
			continue
		}
		if p.Min == nil {
			allErrs = append(allErrs, field.Required(pp.Child("min"), fmt.Sprintf("parameter %q: a %s parameter needs min and max", p.Name, p.Type)))
		}
		if p.Max == nil {
			allErrs = append(allErrs, field.Required(pp.Child("max"), fmt.Sprintf("parameter %q: a %s parameter needs min and max", p.Name, p.Type)))
		}
		if p.Step != nil && *p.Step <= 0 {
			allErrs = append(allErrs, field.Invalid(pp.Child("step"), *p.Step, fmt.Sprintf("parameter %q: must be greater than 0 when set", p.Name)))
		}
		if p.Scale != "" && !slices.Contains(parameterScales, string(p.Scale)) {
			allErrs = append(allErrs, field.NotSupported(pp.Child("scale"), p.Scale, parameterScales))
		}
	}
	if len(allErrs) == 0 {
		allErrs = algorithm.ValidateSpace(string(spec.Algorithm.Name), Space(spec.Parameters), paramsPath)
	}
	return append(allErrs, algorithm.ValidateSettings(string(spec.Algorithm.Name), spec.Algorithm.Settings, specPath.Child("algorithm"))...)
}

// Space returns the parameters as the algorithms' search space.
func Space(params []ml.TuningParameter) []algorithm.Parameter {
	space := make([]algorithm.Parameter, 0, len(params))
	for _, p := range params {
		space = append(space, algorithm.Parameter{
			Name: p.Name, Type: algorithm.ParameterType(p.Type),
			Min: deref(p.Min), Max: deref(p.Max), Step: deref(p.Step),
			Values: p.Values, Log: p.Scale == ml.ScaleLog,
		})
	}
	return space
}

func deref(f *float64) float64 {
	if f == nil {
		return 0
	}
	return *f
}
