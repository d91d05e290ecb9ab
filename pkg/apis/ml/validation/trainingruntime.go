package validation

import (
	"slices"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// MaxNumProcPerNode caps numProcPerNode of TrainingJobs and training
// runtimes: the processes one replica (one pod, or one group of local
// processes) runs.
const MaxNumProcPerNode int32 = 128

var trainingRuntimeKinds = []string{string(ml.ClusterTrainingRuntimeKind), string(ml.TrainingRuntimeKindName)}

// ValidateClusterTrainingRuntime validates a ClusterTrainingRuntime on create.
func ValidateClusterTrainingRuntime(obj *ml.ClusterTrainingRuntime, opts Options) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&obj.ObjectMeta, false, apivalidation.NameIsDNSSubdomain, metadataPath)
	return append(allErrs, validateTrainingRuntimeSpec(&obj.Spec, opts, specPath)...)
}

// ValidateClusterTrainingRuntimeUpdate validates an update of a
// ClusterTrainingRuntime: every field may change, since jobs keep the
// template they were made from.
func ValidateClusterTrainingRuntimeUpdate(obj, old *ml.ClusterTrainingRuntime, opts Options) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&obj.ObjectMeta, &old.ObjectMeta, metadataPath)
	return append(allErrs, validateTrainingRuntimeSpec(&obj.Spec, opts, specPath)...)
}

// ValidateTrainingRuntime validates a TrainingRuntime on create.
func ValidateTrainingRuntime(obj *ml.TrainingRuntime, opts Options) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&obj.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, metadataPath)
	return append(allErrs, validateTrainingRuntimeSpec(&obj.Spec, opts, specPath)...)
}

// ValidateTrainingRuntimeUpdate validates an update of a TrainingRuntime.
func ValidateTrainingRuntimeUpdate(obj, old *ml.TrainingRuntime, opts Options) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&obj.ObjectMeta, &old.ObjectMeta, metadataPath)
	return append(allErrs, validateTrainingRuntimeSpec(&obj.Spec, opts, specPath)...)
}

// validateTrainingRuntimeSpec checks a template as the job fields it
// becomes, but a template may leave both image and command to the job.
func validateTrainingRuntimeSpec(spec *ml.TrainingRuntimeSpec, opts Options, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	t := &spec.Template
	tPath := fldPath.Child("template")
	if t.Framework != "" && !slices.Contains(frameworks, string(t.Framework)) {
		allErrs = append(allErrs, field.NotSupported(tPath.Child("framework"), t.Framework, frameworks))
	}
	allErrs = append(allErrs, validateMinimum(t.Replicas, 1, tPath.Child("replicas"))...)
	allErrs = append(allErrs, validateMaximum(t.Replicas, opts.MaxReplicas, maxReplicasFlag, tPath.Child("replicas"))...)
	allErrs = append(allErrs, validateNumProcPerNode(t.NumProcPerNode, tPath.Child("numProcPerNode"))...)
	allErrs = append(allErrs, validateRoles(t.Roles, t.Framework, nil, opts, tPath.Child("roles"))...)
	if t.MasterPort != nil {
		allErrs = append(allErrs, validatePortNumber(*t.MasterPort, tPath.Child("masterPort"))...)
	}
	allErrs = append(allErrs, dropImageOrCommandRequired(validateContainerSpec(&t.ContainerSpec, tPath), tPath)...)
	allErrs = append(allErrs, validatePodOptions(&t.PodOptions, tPath)...)
	return allErrs
}

func validateNumProcPerNode(v *int32, fldPath *field.Path) field.ErrorList {
	allErrs := validateMinimum(v, 1, fldPath)
	if v != nil && *v > MaxNumProcPerNode {
		allErrs = append(allErrs, field.Invalid(fldPath, *v, "must be no more than 128"))
	}
	return allErrs
}

// validateRuntimeRef checks a TrainingJob's spec.runtimeRef.
func validateRuntimeRef(ref *ml.TrainingRuntimeRef, fldPath *field.Path) field.ErrorList {
	if ref == nil {
		return nil
	}
	var allErrs field.ErrorList
	if ref.Kind != "" && !slices.Contains(trainingRuntimeKinds, string(ref.Kind)) {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("kind"), ref.Kind, trainingRuntimeKinds))
	}
	namePath := fldPath.Child("name")
	if ref.Name == "" {
		return append(allErrs, field.Required(namePath, "the name of the runtime"))
	}
	for _, msg := range apivalidation.NameIsDNSSubdomain(ref.Name, false) {
		allErrs = append(allErrs, field.Invalid(namePath, ref.Name, msg))
	}
	return allErrs
}

// dropImageOrCommandRequired removes the error that neither image nor
// command is set at fldPath: a runtime template may leave both to its jobs,
// and a job template that names a runtime may leave both to the runtime.
func dropImageOrCommandRequired(errs field.ErrorList, fldPath *field.Path) field.ErrorList {
	image := fldPath.Child("image").String()
	return slices.DeleteFunc(errs, func(e *field.Error) bool {
		return e.Type == field.ErrorTypeRequired && e.Field == image
	})
}
