package validation

import (
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// modelPorts are the names of the ports of a Model's server container.
var modelPorts = sets.New(v1alpha1.ModelPortName)

var modelPhases = phaseNames(ml.ModelPending, ml.ModelLoading, ml.ModelReady, ml.ModelFailed, ml.ModelStopped)

// ValidateModel validates a Model on create.
func ValidateModel(obj *ml.Model, opts Options) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&obj.ObjectMeta, true, validateWorkloadName, metadataPath)
	return append(allErrs, validateModelSpec(&obj.Spec, opts, specPath)...)
}

// validateModelSpec validates a model's spec. The canary has no replica
// count of its own: it takes trafficPercent of spec.replicas, so the cap
// on spec.replicas bounds both tracks together.
func validateModelSpec(spec *ml.ModelSpec, opts Options, fldPath *field.Path) field.ErrorList {
	allErrs := validateModelSource(&spec.Source, opts, fldPath.Child("source"))
	rtPath := fldPath.Child("runtime")
	allErrs = append(allErrs, validateModelProcess(spec, rtPath)...)
	allErrs = append(allErrs, validateServingRuntimeRef(spec.RuntimeRef, fldPath.Child("runtimeRef"))...)
	allErrs = append(allErrs, validateEnv(spec.Runtime.Env, rtPath.Child("env"))...)
	allErrs = append(allErrs, validatePort(spec.Runtime.Port, rtPath.Child("port"))...)
	if !opts.storedProbe(spec.Runtime.ReadinessProbe) {
		allErrs = append(allErrs, validateReadinessProbe(spec.Runtime.ReadinessProbe, modelPorts, rtPath.Child("readinessProbe"))...)
	}
	allErrs = append(allErrs, validateMinimum(spec.Replicas, 0, fldPath.Child("replicas"))...)
	allErrs = append(allErrs, validateMaximum(spec.Replicas, opts.MaxReplicas, maxReplicasFlag, fldPath.Child("replicas"))...)
	if c := spec.Canary; c != nil {
		cPath := fldPath.Child("canary")
		allErrs = append(allErrs, validateModelSource(&c.Source, opts, cPath.Child("source"))...)
		if c.TrafficPercent < 0 || c.TrafficPercent > 100 {
			allErrs = append(allErrs, field.Invalid(cPath.Child("trafficPercent"), c.TrafficPercent, "must be between 0 and 100, inclusive"))
		}
	}
	allErrs = append(allErrs, validateResources(&spec.Resources, fldPath.Child("resources"))...)
	allErrs = append(allErrs, validatePodOptions(&spec.PodOptions, fldPath)...)
	return allErrs
}

// ValidateModelUpdate validates an update of a Model. Every spec field may
// change: the controller rolls the model's Deployment to the new spec.
func ValidateModelUpdate(obj, old *ml.Model, opts Options) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&obj.ObjectMeta, &old.ObjectMeta, metadataPath)
	return append(allErrs, validateModelSpec(&obj.Spec, opts.ratchetReplicas(old.Spec.Replicas).ratchetProbe(old.Spec.Runtime.ReadinessProbe), specPath)...)
}

// ValidateModelStatusUpdate validates an update of a Model's status.
func ValidateModelStatusUpdate(obj, old *ml.Model) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&obj.ObjectMeta, &old.ObjectMeta, metadataPath)
	s := &obj.Status
	allErrs = append(allErrs, validateStatusCommon(s.ObservedGeneration, s.Conditions, string(s.Phase), modelPhases, statusPath)...)
	allErrs = append(allErrs, validateCounts(statusPath, map[string]int32{
		"replicas": s.Replicas, "readyReplicas": s.ReadyReplicas, "canaryReplicas": s.CanaryReplicas,
	})...)
	allErrs = append(allErrs, validateSelector(s.Selector, statusPath.Child("selector"))...)
	return allErrs
}
