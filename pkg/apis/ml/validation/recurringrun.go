package validation

import (
	"fmt"
	"slices"
	"time"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

var concurrencyPolicies = []string{string(ml.ConcurrencyAllow), string(ml.ConcurrencyForbid), string(ml.ConcurrencyReplace)}

// ValidateRecurringRun validates a RecurringRun on create.
func ValidateRecurringRun(obj *ml.RecurringRun, opts Options) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&obj.ObjectMeta, true, recurringRunNameFunc(&obj.Spec.RunTemplate), metadataPath)
	return append(allErrs, validateRecurringRunSpec(&obj.Spec, opts, specPath)...)
}

// recurringRunNameFunc checks a RecurringRun's name so that the names of
// its runs, the name and "-<unix seconds>", are valid names of the kind it
// creates.
func recurringRunNameFunc(t *ml.RunTemplate) apivalidation.ValidateNameFunc {
	return func(name string, prefix bool) []string {
		limit, msgs := 253, apivalidation.NameIsDNSSubdomain(name, prefix)
		if t.TrainingJob != nil {
			limit, msgs = MaxWorkloadNameLength, apivalidation.NameIsDNS1035Label(name, prefix)
		}
		if maxLen := limit - v1alpha1.RecurringRunNameSuffixLength; !prefix && len(name) > maxLen {
			msgs = append(msgs, fmt.Sprintf("must be no more than %d characters, so that the names of its runs (the name and -<unix seconds>) stay valid", maxLen))
		}
		return msgs
	}
}

func validateRecurringRunSpec(spec *ml.RecurringRunSpec, opts Options, fldPath *field.Path) field.ErrorList {
	allErrs := validateRecurringSchedule(&spec.Schedule, opts, fldPath.Child("schedule"))
	if spec.StartTime != nil && spec.EndTime != nil && !spec.EndTime.After(spec.StartTime.Time) {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("endTime"), spec.EndTime.UTC().Format(time.RFC3339), "must be after startTime"))
	}
	if !slices.Contains(concurrencyPolicies, string(spec.ConcurrencyPolicy)) {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("concurrencyPolicy"), spec.ConcurrencyPolicy, concurrencyPolicies))
	}
	allErrs = append(allErrs, validateMinimum(spec.MaxConcurrency, 1, fldPath.Child("maxConcurrency"))...)
	allErrs = append(allErrs, validateMinimum(spec.SuccessfulRunsHistoryLimit, 0, fldPath.Child("successfulRunsHistoryLimit"))...)
	allErrs = append(allErrs, validateMinimum(spec.FailedRunsHistoryLimit, 0, fldPath.Child("failedRunsHistoryLimit"))...)
	maxHistory := opts.MaxRunsHistory
	if maxHistory == 0 {
		maxHistory = DefaultMaxRunsHistory
	}
	allErrs = append(allErrs, validateMaximum(spec.SuccessfulRunsHistoryLimit, maxHistory, maxRunsHistoryFlag, fldPath.Child("successfulRunsHistoryLimit"))...)
	allErrs = append(allErrs, validateMaximum(spec.FailedRunsHistoryLimit, maxHistory, maxRunsHistoryFlag, fldPath.Child("failedRunsHistoryLimit"))...)
	return append(allErrs, validateRunTemplate(&spec.RunTemplate, opts, fldPath.Child("runTemplate"))...)
}

func validateRecurringSchedule(s *ml.RecurringSchedule, opts Options, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	cronPath, tzPath, intervalPath := fldPath.Child("cron"), fldPath.Child("timeZone"), fldPath.Child("interval")
	switch {
	case s.Cron == "" && s.Interval == nil:
		return field.ErrorList{field.Required(cronPath, "one of cron or interval is required")}
	case s.Cron != "" && s.Interval != nil:
		allErrs = append(allErrs, field.Forbidden(intervalPath, "may not be set together with cron"))
	}
	tz := ""
	if s.TimeZone != nil {
		tz = *s.TimeZone
		if s.Cron == "" {
			allErrs = append(allErrs, field.Forbidden(tzPath, "applies to cron only"))
		} else if _, err := time.LoadLocation(tz); err != nil || tz == "" {
			allErrs = append(allErrs, field.Invalid(tzPath, tz, "must be an IANA time zone such as Europe/Berlin"))
			return allErrs
		}
	}
	if s.Cron != "" {
		if _, err := v1alpha1.ParseCron(s.Cron, tz); err != nil {
			allErrs = append(allErrs, field.Invalid(cronPath, s.Cron, fmt.Sprintf("must be a 5-field cron expression: %v", err)))
		}
	}
	minInterval := opts.MinRecurringInterval
	if minInterval == 0 {
		minInterval = v1alpha1.MinRecurringInterval
	}
	if s.Interval != nil && s.Interval.Duration < minInterval {
		allErrs = append(allErrs, field.Invalid(intervalPath, s.Interval.Duration.String(), fmt.Sprintf("must be at least %s (the server's %s)", minInterval, minIntervalFlag)))
	}
	return allErrs
}

func validateRunTemplate(t *ml.RunTemplate, opts Options, fldPath *field.Path) field.ErrorList {
	mdPath := fldPath.Child("metadata")
	allErrs := metav1validation.ValidateLabels(t.Metadata.Labels, mdPath.Child("labels"))
	allErrs = append(allErrs, apivalidation.ValidateAnnotations(t.Metadata.Annotations, mdPath.Child("annotations"))...)
	plrPath, tjPath := fldPath.Child("pipelineRun"), fldPath.Child("trainingJob")
	switch {
	case t.PipelineRun == nil && t.TrainingJob == nil:
		allErrs = append(allErrs, field.Required(plrPath, "one of pipelineRun or trainingJob is required"))
	case t.PipelineRun != nil && t.TrainingJob != nil:
		allErrs = append(allErrs, field.Forbidden(tjPath, "may not be set together with pipelineRun"))
	}
	if t.PipelineRun != nil {
		allErrs = append(allErrs, validatePipelineRunSpec(t.PipelineRun, opts, plrPath)...)
	}
	if t.TrainingJob != nil {
		tjErrs := validateTrainingJobSpec(t.TrainingJob, opts, tjPath)
		if t.TrainingJob.RuntimeRef != nil {
			// The runtime may give the image or command: each job is
			// checked once merged with it, when it is created.
			tjErrs = dropImageOrCommandRequired(tjErrs, tjPath)
		}
		allErrs = append(allErrs, tjErrs...)
	}
	return allErrs
}

// ValidateRecurringRunUpdate validates an update of a RecurringRun: every
// field may change, and applies from the next run on.
func ValidateRecurringRunUpdate(obj, old *ml.RecurringRun, opts Options) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&obj.ObjectMeta, &old.ObjectMeta, metadataPath)
	kindPath := specPath.Child("runTemplate")
	if (obj.Spec.RunTemplate.TrainingJob == nil) != (old.Spec.RunTemplate.TrainingJob == nil) {
		allErrs = append(allErrs, field.Forbidden(kindPath, "may not change between pipelineRun and trainingJob: its runs are named for one kind"))
	}
	return append(allErrs, validateRecurringRunSpec(&obj.Spec, opts, specPath)...)
}

// ValidateRecurringRunStatusUpdate validates an update of a RecurringRun's status.
func ValidateRecurringRunStatusUpdate(obj, old *ml.RecurringRun) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&obj.ObjectMeta, &old.ObjectMeta, metadataPath)
	s := &obj.Status
	allErrs = append(allErrs, validateMinimum(&s.ObservedGeneration, 0, statusPath.Child("observedGeneration"))...)
	allErrs = append(allErrs, validateMinimum(&s.RunCount, 0, statusPath.Child("runCount"))...)
	allErrs = append(allErrs, metav1validation.ValidateConditions(s.Conditions, statusPath.Child("conditions"))...)
	return allErrs
}
