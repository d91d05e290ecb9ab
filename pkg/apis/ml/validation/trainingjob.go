package validation

import (
	"fmt"
	"regexp"
	"slices"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

var (
	frameworks        = phaseNames(ml.FrameworkPyTorch, ml.FrameworkTensorFlow, ml.FrameworkMPI, ml.FrameworkJAX, ml.FrameworkGeneric)
	cleanPodPolicies  = phaseNames(ml.CleanPodPolicyNone, ml.CleanPodPolicyRunning, ml.CleanPodPolicyAll)
	metricsCollectors = phaseNames(ml.MetricsCollectorStdOut, ml.MetricsCollectorPush, ml.MetricsCollectorNone)
	trainingJobPhases = phaseNames(ml.TrainingJobPending, ml.TrainingJobRunning, ml.TrainingJobSucceeded, ml.TrainingJobFailed, ml.TrainingJobSuspended)
)

// ValidateTrainingJob validates a TrainingJob on create.
func ValidateTrainingJob(obj *ml.TrainingJob, opts Options) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&obj.ObjectMeta, true, validateWorkloadName, metadataPath)
	return append(allErrs, validateTrainingJobSpec(&obj.Spec, opts, specPath)...)
}

func validateTrainingJobSpec(spec *ml.TrainingJobSpec, opts Options, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if spec.Framework != "" && !slices.Contains(frameworks, string(spec.Framework)) {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("framework"), spec.Framework, frameworks))
	}
	allErrs = append(allErrs, validateMinimum(spec.Replicas, 1, fldPath.Child("replicas"))...)
	allErrs = append(allErrs, validateMaximum(spec.Replicas, opts.MaxReplicas, maxReplicasFlag, fldPath.Child("replicas"))...)
	allErrs = append(allErrs, validateRuntimeRef(spec.RuntimeRef, fldPath.Child("runtimeRef"))...)
	allErrs = append(allErrs, validateNumProcPerNode(spec.NumProcPerNode, fldPath.Child("numProcPerNode"))...)
	if spec.NumProcPerNode != nil && *spec.NumProcPerNode > 1 && spec.Framework != ml.FrameworkPyTorch && spec.Framework != ml.FrameworkMPI {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("numProcPerNode"), *spec.NumProcPerNode,
			"more than 1 process per replica needs framework PyTorch (torchrun starts them) or MPI (the slots of each worker in the hostfile)"))
	}
	allErrs = append(allErrs, validateRoles(spec.Roles, spec.Framework, spec.Replicas, opts, fldPath.Child("roles"))...)
	if spec.Elastic != nil && len(spec.Roles) > 0 {
		allErrs = append(allErrs, field.Forbidden(fldPath.Child("elastic"), "a job with roles has a fixed set of replicas (TF_CONFIG and the MPI hostfile list every one); remove spec.elastic or spec.roles"))
	}
	if spec.Elastic != nil {
		allErrs = append(allErrs, validateMaximum(spec.Elastic.MaxReplicas, opts.MaxReplicas, maxReplicasFlag, fldPath.Child("elastic", "maxReplicas"))...)
		allErrs = append(allErrs, validateElastic(spec.Elastic, spec.Replicas, fldPath)...)
	}
	allErrs = append(allErrs, validateContainerSpec(&spec.ContainerSpec, fldPath)...)
	allErrs = append(allErrs, validatePodOptions(&spec.PodOptions, fldPath)...)
	if spec.MasterPort != nil {
		allErrs = append(allErrs, validatePortNumber(*spec.MasterPort, fldPath.Child("masterPort"))...)
	}
	allErrs = append(allErrs, validateMinimum(spec.BackoffLimit, 0, fldPath.Child("backoffLimit"))...)
	allErrs = append(allErrs, validateMinimum(spec.ActiveDeadlineSeconds, 1, fldPath.Child("activeDeadlineSeconds"))...)
	allErrs = append(allErrs, validateMinimum(spec.TTLSecondsAfterFinished, 0, fldPath.Child("ttlSecondsAfterFinished"))...)
	if spec.CleanPodPolicy != "" && !slices.Contains(cleanPodPolicies, string(spec.CleanPodPolicy)) {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("cleanPodPolicy"), spec.CleanPodPolicy, cleanPodPolicies))
	}
	if spec.Metrics != nil {
		allErrs = append(allErrs, validateMetrics(spec.Metrics, fldPath.Child("metrics"))...)
	}
	if spec.OutputURI != "" {
		allErrs = append(allErrs, validateURI(spec.OutputURI, fldPath.Child("outputURI"))...)
	}
	if spec.Artifacts != nil {
		allErrs = append(allErrs, validateTrainingJobArtifacts(spec, fldPath)...)
	}
	return allErrs
}

// validateElastic checks the elastic bounds and that replicas lies within
// them; the scale subresource and HPA are held to the same bounds. An unset
// minReplicas means 1 and an unset maxReplicas means no upper bound.
func validateElastic(e *ml.ElasticPolicy, replicas *int32, specPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	ePath := specPath.Child("elastic")
	minPath, maxPath := ePath.Child("minReplicas"), ePath.Child("maxReplicas")
	lowest, lowestText := int32(1), "1"
	if e.MinReplicas != nil {
		allErrs = append(allErrs, validateMinimum(e.MinReplicas, 1, minPath)...)
		lowest, lowestText = *e.MinReplicas, fmt.Sprintf("spec.elastic.minReplicas (%d)", *e.MinReplicas)
	}
	if e.MaxReplicas != nil && *e.MaxReplicas < lowest {
		allErrs = append(allErrs, field.Invalid(maxPath, *e.MaxReplicas, "must be greater than or equal to "+lowestText))
	}
	if len(allErrs) > 0 || replicas == nil {
		return allErrs
	}
	switch {
	case e.MaxReplicas == nil && *replicas < lowest:
		allErrs = append(allErrs, field.Invalid(specPath.Child("replicas"), *replicas, "must be greater than or equal to "+lowestText))
	case e.MaxReplicas != nil && (*replicas < lowest || *replicas > *e.MaxReplicas):
		allErrs = append(allErrs, field.Invalid(specPath.Child("replicas"), *replicas,
			fmt.Sprintf("must be between %s and spec.elastic.maxReplicas (%d)", lowestText, *e.MaxReplicas)))
	}
	return allErrs
}

func validateMetrics(m *ml.MetricsSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if m.Collector != "" && !slices.Contains(metricsCollectors, string(m.Collector)) {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("collector"), m.Collector, metricsCollectors))
	}
	if m.Format == "" {
		return allErrs
	}
	formatPath := fldPath.Child("format")
	if m.Collector == ml.MetricsCollectorPush || m.Collector == ml.MetricsCollectorNone {
		return append(allErrs, field.Forbidden(formatPath, "is only used by the StdOut collector"))
	}
	re, err := regexp.Compile(m.Format)
	switch {
	case err != nil:
		allErrs = append(allErrs, field.Invalid(formatPath, m.Format, fmt.Sprintf("must be a valid regular expression: %v", err)))
	case re.NumSubexp() != 2:
		allErrs = append(allErrs, field.Invalid(formatPath, m.Format, fmt.Sprintf("must have exactly 2 capture groups (name, value), not %d", re.NumSubexp())))
	}
	return allErrs
}

// ValidateTrainingJobUpdate validates an update of a TrainingJob. What the
// pods run and how they are placed is fixed at create, since running
// replicas could not follow a change; the replica count, its elastic
// bounds and the lifecycle knobs (suspend, deadlines, ttl, backoffLimit,
// cleanPodPolicy) may change.
func ValidateTrainingJobUpdate(obj, old *ml.TrainingJob, opts Options) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&obj.ObjectMeta, &old.ObjectMeta, metadataPath)
	opts = opts.ratchetReplicas(old.Spec.Replicas)
	if old.Spec.Elastic != nil {
		opts = opts.ratchetReplicas(old.Spec.Elastic.MaxReplicas)
	}
	allErrs = append(allErrs, validateTrainingJobSpec(&obj.Spec, opts, specPath)...)
	spec, oldSpec := &obj.Spec, &old.Spec
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(spec.Framework, oldSpec.Framework, specPath.Child("framework"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(spec.RuntimeRef, oldSpec.RuntimeRef, specPath.Child("runtimeRef"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(spec.NumProcPerNode, oldSpec.NumProcPerNode, specPath.Child("numProcPerNode"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(spec.Roles, oldSpec.Roles, specPath.Child("roles"))...)
	allErrs = append(allErrs, validateImmutableContainerSpec(&spec.ContainerSpec, &oldSpec.ContainerSpec, specPath)...)
	allErrs = append(allErrs, validateImmutablePodOptions(&spec.PodOptions, &oldSpec.PodOptions, specPath)...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(spec.MasterPort, oldSpec.MasterPort, specPath.Child("masterPort"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(spec.Metrics, oldSpec.Metrics, specPath.Child("metrics"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(spec.OutputURI, oldSpec.OutputURI, specPath.Child("outputURI"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(spec.Artifacts, oldSpec.Artifacts, specPath.Child("artifacts"))...)
	if spec.Elastic == nil && !ptr.Equal(spec.Replicas, oldSpec.Replicas) {
		var v any
		if spec.Replicas != nil {
			v = *spec.Replicas
		}
		allErrs = append(allErrs, field.Invalid(specPath.Child("replicas"), v, "field is immutable unless the job is elastic; set spec.elastic.minReplicas and maxReplicas to allow scaling"))
	}
	return allErrs
}

// ValidateTrainingJobStatusUpdate validates an update of a TrainingJob's status.
func ValidateTrainingJobStatusUpdate(obj, old *ml.TrainingJob) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&obj.ObjectMeta, &old.ObjectMeta, metadataPath)
	s := &obj.Status
	allErrs = append(allErrs, validateStatusCommon(s.ObservedGeneration, s.Conditions, string(s.Phase), trainingJobPhases, statusPath)...)
	allErrs = append(allErrs, validateTimes(s.StartTime, s.CompletionTime, statusPath)...)
	allErrs = append(allErrs, validateCounts(statusPath, map[string]int32{
		"replicas": s.Replicas, "readyReplicas": s.ReadyReplicas, "succeeded": s.Succeeded, "failed": s.Failed, "restarts": s.Restarts,
	})...)
	allErrs = append(allErrs, validateSelector(s.Selector, statusPath.Child("selector"))...)
	metricsPath := statusPath.Child("latestMetrics")
	seen := sets.New[string]()
	for i, m := range s.LatestMetrics {
		namePath := metricsPath.Index(i).Child("name")
		switch {
		case m.Name == "":
			allErrs = append(allErrs, field.Required(namePath, ""))
		case seen.Has(m.Name):
			allErrs = append(allErrs, field.Duplicate(namePath, m.Name))
		}
		seen.Insert(m.Name)
	}
	allErrs = append(allErrs, validateReplicaFailure(s.LastFailure, statusPath.Child("lastFailure"))...)
	return allErrs
}

// MaxReplicaFailureMessage bounds status.lastFailure.message, in bytes:
// one line that says why, not a log.
const MaxReplicaFailureMessage = 1024

// validateReplicaFailure checks status.lastFailure: it names a replica and
// says why in a bounded message.
func validateReplicaFailure(f *ml.ReplicaFailure, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if f == nil {
		return nil
	}
	if f.Replica == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("replica"), "the name of the replica that failed"))
	}
	if len(f.Message) > MaxReplicaFailureMessage {
		allErrs = append(allErrs, field.TooLong(fldPath.Child("message"), "", MaxReplicaFailureMessage))
	}
	return allErrs
}

// validateImmutableContainerSpec reports each changed container field.
func validateImmutableContainerSpec(c, old *ml.ContainerSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(c.Image, old.Image, fldPath.Child("image"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(c.Command, old.Command, fldPath.Child("command"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(c.Args, old.Args, fldPath.Child("args"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(c.Env, old.Env, fldPath.Child("env"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(c.Resources, old.Resources, fldPath.Child("resources"))...)
	return allErrs
}

// validateImmutablePodOptions reports each changed pod-level field.
func validateImmutablePodOptions(o, old *ml.PodOptions, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(o.PodMetadata, old.PodMetadata, fldPath.Child("podMetadata"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(o.ServiceAccountName, old.ServiceAccountName, fldPath.Child("serviceAccountName"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(o.NodeSelector, old.NodeSelector, fldPath.Child("nodeSelector"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(o.Tolerations, old.Tolerations, fldPath.Child("tolerations"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(o.Volumes, old.Volumes, fldPath.Child("volumes"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(o.VolumeMounts, old.VolumeMounts, fldPath.Child("volumeMounts"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(o.ImagePullSecrets, old.ImagePullSecrets, fldPath.Child("imagePullSecrets"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(o.SecurityContext, old.SecurityContext, fldPath.Child("securityContext"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(o.PodSecurityContext, old.PodSecurityContext, fldPath.Child("podSecurityContext"))...)
	return allErrs
}
