package logs

import (
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlvalidation "ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

// ValidateLogOptions checks the options every kind shares. A Kind checks
// replica and task.
func ValidateLogOptions(o *ml.LogOptions) field.ErrorList {
	var errs field.ErrorList
	nonNegative := func(name string, v *int64) {
		if v != nil && *v < 0 {
			errs = append(errs, field.Invalid(field.NewPath(name), *v, "must be greater than or equal to 0"))
		}
	}
	positive := func(name string, v *int64) {
		if v != nil && *v < 1 {
			errs = append(errs, field.Invalid(field.NewPath(name), *v, "must be greater than 0"))
		}
	}
	nonNegative("tailLines", o.TailLines)
	positive("sinceSeconds", o.SinceSeconds)
	positive("limitBytes", o.LimitBytes)
	if o.Attempt != nil {
		switch {
		case *o.Attempt < 1:
			errs = append(errs, field.Invalid(field.NewPath("attempt"), *o.Attempt, "must be greater than 0"))
		case o.Task == "":
			errs = append(errs, field.Required(field.NewPath("task"), "attempt selects an attempt of a task"))
		}
	}
	if o.Container != "" {
		for _, msg := range validation.IsDNS1123Label(o.Container) {
			errs = append(errs, field.Invalid(field.NewPath("container"), o.Container, msg))
		}
	}
	if o.Replica != "" {
		if _, err := strconv.ParseUint(o.Replica, 10, 31); err != nil {
			for _, msg := range validation.IsDNS1123Subdomain(o.Replica) {
				errs = append(errs, field.Invalid(field.NewPath("replica"), o.Replica, "must be a replica index or a pod name: "+msg))
			}
		}
	}
	if o.Task != "" {
		for _, msg := range mlvalidation.IsRunTaskName(o.Task) {
			errs = append(errs, field.Invalid(field.NewPath("task"), o.Task, msg))
		}
	}
	return errs
}

// badOptions is the 400 answer to invalid options: it names every field
// and why, like the rejection of bad query parameters.
func badOptions(errs field.ErrorList) error {
	return apierrors.NewBadRequest("invalid log options: " + errs.ToAggregate().Error())
}
