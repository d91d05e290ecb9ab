package validation

import (
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateStatusCommon validates what every status has: observedGeneration,
// conditions and, when phases is not nil, a phase that is empty or one of
// phases.
func validateStatusCommon(observedGeneration int64, conditions []metav1.Condition, phase string, phases []string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if observedGeneration < 0 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("observedGeneration"), observedGeneration, "must be greater than or equal to 0"))
	}
	allErrs = append(allErrs, metav1validation.ValidateConditions(conditions, fldPath.Child("conditions"))...)
	if phases != nil {
		allErrs = append(allErrs, validatePhase(phase, phases, fldPath.Child("phase"))...)
	}
	return allErrs
}

// validatePhase accepts an empty phase or one of phases.
func validatePhase(phase string, phases []string, fldPath *field.Path) field.ErrorList {
	if phase != "" && !slices.Contains(phases, phase) {
		return field.ErrorList{field.NotSupported(fldPath, phase, phases)}
	}
	return nil
}

// validateCounts checks that replica and pod counts are not negative.
func validateCounts(fldPath *field.Path, counts map[string]int32) field.ErrorList {
	var allErrs field.ErrorList
	names := make([]string, 0, len(counts))
	for name := range counts {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if v := counts[name]; v < 0 {
			allErrs = append(allErrs, field.Invalid(fldPath.Child(name), v, "must be greater than or equal to 0"))
		}
	}
	return allErrs
}

// validateSelector checks the label selector the scale subresource reports.
func validateSelector(selector string, fldPath *field.Path) field.ErrorList {
	if selector == "" {
		return nil
	}
	if _, err := labels.Parse(selector); err != nil {
		return field.ErrorList{field.Invalid(fldPath, selector, err.Error())}
	}
	return nil
}

// validateTimes checks that completionTime is not before startTime.
func validateTimes(start, completion *metav1.Time, fldPath *field.Path) field.ErrorList {
	if start != nil && completion != nil && completion.Before(start) {
		return field.ErrorList{field.Invalid(fldPath.Child("completionTime"), completion.String(), "must not be before startTime")}
	}
	return nil
}

// phaseNames converts a typed phase list to strings for field.NotSupported.
func phaseNames[T ~string](phases ...T) []string {
	out := make([]string, len(phases))
	for i, p := range phases {
		out[i] = string(p)
	}
	return out
}
