package validation

import (
	"fmt"
	"slices"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// MaxSupportedModelFormats caps supportedModelFormats of a serving runtime.
const MaxSupportedModelFormats = 64

var servingRuntimeKinds = []string{string(ml.ClusterServingRuntimeKind), string(ml.ServingRuntimeKindName)}

// ValidateClusterServingRuntime validates a ClusterServingRuntime on create.
func ValidateClusterServingRuntime(obj *ml.ClusterServingRuntime, opts Options) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&obj.ObjectMeta, false, apivalidation.NameIsDNSSubdomain, metadataPath)
	return append(allErrs, validateServingRuntimeSpec(&obj.Spec, opts, specPath)...)
}

// ValidateClusterServingRuntimeUpdate validates an update of a
// ClusterServingRuntime: every field may change, since Models keep the
// container they were admitted with.
func ValidateClusterServingRuntimeUpdate(obj, old *ml.ClusterServingRuntime, opts Options) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&obj.ObjectMeta, &old.ObjectMeta, metadataPath)
	return append(allErrs, validateServingRuntimeSpec(&obj.Spec, opts.ratchetProbe(old.Spec.Container.ReadinessProbe), specPath)...)
}

// ValidateServingRuntime validates a ServingRuntime on create.
func ValidateServingRuntime(obj *ml.ServingRuntime, opts Options) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&obj.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, metadataPath)
	return append(allErrs, validateServingRuntimeSpec(&obj.Spec, opts, specPath)...)
}

// ValidateServingRuntimeUpdate validates an update of a ServingRuntime.
func ValidateServingRuntimeUpdate(obj, old *ml.ServingRuntime, opts Options) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&obj.ObjectMeta, &old.ObjectMeta, metadataPath)
	return append(allErrs, validateServingRuntimeSpec(&obj.Spec, opts.ratchetProbe(old.Spec.Container.ReadinessProbe), specPath)...)
}

// validateServingRuntimeSpec checks the formats (named, unique by name and
// version) and the container as a Model's spec.runtime.
func validateServingRuntimeSpec(spec *ml.ServingRuntimeSpec, opts Options, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	fPath := fldPath.Child("supportedModelFormats")
	if n := len(spec.SupportedModelFormats); n > MaxSupportedModelFormats {
		allErrs = append(allErrs, field.TooMany(fPath, n, MaxSupportedModelFormats))
	}
	seen := map[ml.SupportedModelFormat]bool{}
	for i, f := range spec.SupportedModelFormats {
		if f.Name == "" {
			allErrs = append(allErrs, field.Required(fPath.Index(i).Child("name"), "the name of the format"))
		}
		if f.Priority < 0 {
			allErrs = append(allErrs, field.Invalid(fPath.Index(i).Child("priority"), f.Priority, "must be greater than or equal to 0"))
		}
		key := ml.SupportedModelFormat{Name: f.Name, Version: f.Version}
		if seen[key] {
			allErrs = append(allErrs, field.Duplicate(fPath.Index(i), fmt.Sprintf("%s %s", f.Name, f.Version)))
		}
		seen[key] = true
	}
	cPath := fldPath.Child("container")
	allErrs = append(allErrs, validateProcess(spec.Container.Image, spec.Container.Command, spec.Container.Args, cPath)...)
	allErrs = append(allErrs, validateEnv(spec.Container.Env, cPath.Child("env"))...)
	allErrs = append(allErrs, validatePort(spec.Container.Port, cPath.Child("port"))...)
	if !opts.storedProbe(spec.Container.ReadinessProbe) {
		allErrs = append(allErrs, validateReadinessProbe(spec.Container.ReadinessProbe, modelPorts, cPath.Child("readinessProbe"))...)
	}
	allErrs = append(allErrs, validateResources(&spec.Resources, fldPath.Child("resources"))...)
	return allErrs
}

// validateServingRuntimeRef checks a Model's spec.runtimeRef.
func validateServingRuntimeRef(ref *ml.ServingRuntimeRef, fldPath *field.Path) field.ErrorList {
	if ref == nil {
		return nil
	}
	var allErrs field.ErrorList
	if ref.Kind != "" && !slices.Contains(servingRuntimeKinds, string(ref.Kind)) {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("kind"), ref.Kind, servingRuntimeKinds))
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

// validateModelProcess checks a Model's server process. A Model with a
// format or a runtimeRef may leave image and command empty: admission fills
// them from its serving runtime, and one left without a runtime is Failed
// by the controller with a condition naming its format.
func validateModelProcess(spec *ml.ModelSpec, rtPath *field.Path) field.ErrorList {
	rt := &spec.Runtime
	allErrs := validateProcess(rt.Image, rt.Command, rt.Args, rtPath)
	if rt.Image == "" && len(rt.Command) == 0 && (spec.Format != "" || spec.RuntimeRef != nil) {
		allErrs = slices.DeleteFunc(allErrs, func(e *field.Error) bool {
			return e.Type == field.ErrorTypeRequired && e.Field == rtPath.Child("image").String()
		})
	}
	return allErrs
}
