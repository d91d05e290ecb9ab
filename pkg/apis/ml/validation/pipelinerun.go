package validation

import (
	"k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

var (
	pipelineRunPhases = phaseNames(ml.PipelineRunPending, ml.PipelineRunRunning, ml.PipelineRunSucceeded, ml.PipelineRunFailed, ml.PipelineRunCanceled)
	taskPhases        = phaseNames(ml.TaskPending, ml.TaskRunning, ml.TaskSucceeded, ml.TaskFailed, ml.TaskSkipped, ml.TaskCanceled)
)

// ValidatePipelineRun validates a PipelineRun on create. The resolved
// snapshot in status.pipelineSpec is written by the server, not the user,
// and is not validated.
func ValidatePipelineRun(obj *ml.PipelineRun, opts Options) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&obj.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, metadataPath)
	return append(allErrs, validatePipelineRunSpec(&obj.Spec, opts, specPath)...)
}

func validatePipelineRunSpec(spec *ml.PipelineRunSpec, opts Options, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	refPath, inlinePath, paramsPath := fldPath.Child("pipelineRef"), fldPath.Child("pipelineSpec"), fldPath.Child("params")
	switch {
	case spec.RetryOf != nil:
		allErrs = append(allErrs, validateRetryOf(spec, fldPath)...)
	case spec.PipelineRef == nil && spec.PipelineSpec == nil:
		allErrs = append(allErrs, field.Required(refPath, "one of pipelineRef, pipelineSpec or retryOf is required"))
	case spec.PipelineRef != nil && spec.PipelineSpec != nil:
		allErrs = append(allErrs, field.Forbidden(inlinePath, "may not be set together with pipelineRef"))
	}
	if spec.PipelineRef != nil {
		allErrs = append(allErrs, validateLocalObjectReference(spec.PipelineRef, refPath)...)
	}

	seen := sets.New[string]()
	for i, p := range spec.Params {
		allErrs = append(allErrs, validateParamName(p.Name, seen, paramsPath.Index(i).Child("name"))...)
		seen.Insert(p.Name)
	}
	// A referenced pipeline's params are checked at admission, where the
	// Pipeline can be read; an inline one's here.
	if spec.PipelineSpec != nil {
		allErrs = append(allErrs, ValidatePipelineSpec(spec.PipelineSpec, opts, inlinePath)...)
		allErrs = append(allErrs, ValidateParamsAgainstSpec(spec.PipelineSpec.Params, spec.Params, paramsPath)...)
	}

	allErrs = append(allErrs, validateMinimum(spec.Parallelism, 1, fldPath.Child("parallelism"))...)
	allErrs = append(allErrs, validateMinimum(spec.ActiveDeadlineSeconds, 1, fldPath.Child("activeDeadlineSeconds"))...)
	allErrs = append(allErrs, validateMinimum(spec.TTLSecondsAfterFinished, 0, fldPath.Child("ttlSecondsAfterFinished"))...)
	return allErrs
}

// ValidatePipelineRunUpdate validates an update of a PipelineRun. What runs
// is fixed at create: only suspend, cancel, parallelism,
// activeDeadlineSeconds and ttlSecondsAfterFinished may change, and a
// canceled run stays canceled.
func ValidatePipelineRunUpdate(obj, old *ml.PipelineRun, opts Options) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&obj.ObjectMeta, &old.ObjectMeta, metadataPath)
	if old.Spec.PipelineSpec != nil {
		opts = opts.ratchetForEach(old.Spec.PipelineSpec).ratchetWhenCEL(old.Spec.PipelineSpec)
	}
	allErrs = append(allErrs, validatePipelineRunSpec(&obj.Spec, opts, specPath)...)

	spec, oldSpec := &obj.Spec, &old.Spec
	var immutableErrs field.ErrorList
	immutableErrs = append(immutableErrs, apivalidation.ValidateImmutableField(spec.PipelineRef, oldSpec.PipelineRef, specPath.Child("pipelineRef"))...)
	immutableErrs = append(immutableErrs, apivalidation.ValidateImmutableField(spec.PipelineSpec, oldSpec.PipelineSpec, specPath.Child("pipelineSpec"))...)
	immutableErrs = append(immutableErrs, apivalidation.ValidateImmutableField(spec.Params, oldSpec.Params, specPath.Child("params"))...)
	immutableErrs = append(immutableErrs, apivalidation.ValidateImmutableField(spec.RetryOf, oldSpec.RetryOf, specPath.Child("retryOf"))...)
	immutableErrs = append(immutableErrs, apivalidation.ValidateImmutableField(spec.FailFast, oldSpec.FailFast, specPath.Child("failFast"))...)
	immutableErrs = append(immutableErrs, apivalidation.ValidateImmutableField(spec.Cache, oldSpec.Cache, specPath.Child("cache"))...)
	allErrs = append(allErrs, immutableErrs...)

	// Catch fields added to the spec later: everything but the mutable
	// fields must stay as it was.
	mutated := *spec
	mutated.Suspend, mutated.Cancel, mutated.RetainArtifacts = oldSpec.Suspend, oldSpec.Cancel, oldSpec.RetainArtifacts
	mutated.Parallelism, mutated.ActiveDeadlineSeconds, mutated.TTLSecondsAfterFinished = oldSpec.Parallelism, oldSpec.ActiveDeadlineSeconds, oldSpec.TTLSecondsAfterFinished
	if len(immutableErrs) == 0 && !equality.Semantic.DeepEqual(&mutated, oldSpec) {
		allErrs = append(allErrs, field.Forbidden(specPath, "only suspend, cancel, retainArtifacts, parallelism, activeDeadlineSeconds and ttlSecondsAfterFinished may change"))
	}

	if oldSpec.Cancel && !spec.Cancel {
		allErrs = append(allErrs, field.Forbidden(specPath.Child("cancel"), "a canceled run cannot be resumed"))
	}
	return allErrs
}

// ValidatePipelineRunStatusUpdate validates an update of a PipelineRun's status.
func ValidatePipelineRunStatusUpdate(obj, old *ml.PipelineRun) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&obj.ObjectMeta, &old.ObjectMeta, metadataPath)
	s := &obj.Status
	allErrs = append(allErrs, validateStatusCommon(s.ObservedGeneration, s.Conditions, string(s.Phase), pipelineRunPhases, statusPath)...)
	allErrs = append(allErrs, validateTimes(s.StartTime, s.CompletionTime, statusPath)...)
	tasksPath := statusPath.Child("tasks")
	seen := sets.New[string]()
	for i, t := range s.Tasks {
		idxPath := tasksPath.Index(i)
		switch {
		case t.Name == "":
			allErrs = append(allErrs, field.Required(idxPath.Child("name"), ""))
		case seen.Has(t.Name):
			allErrs = append(allErrs, field.Duplicate(idxPath.Child("name"), t.Name))
		}
		seen.Insert(t.Name)
		allErrs = append(allErrs, validatePhase(string(t.Phase), taskPhases, idxPath.Child("phase"))...)
		allErrs = append(allErrs, validateTimes(t.StartTime, t.CompletionTime, idxPath)...)
	}
	return allErrs
}
