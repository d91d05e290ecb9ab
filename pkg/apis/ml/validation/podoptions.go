package validation

import (
	"fmt"
	"path"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// validatePodOptions validates the pod-level fields. fldPath is the struct
// that inlines the PodOptions. Security contexts are left to the
// WorkloadSecurity admission plugin, which knows the namespace's policy.
func validatePodOptions(o *ml.PodOptions, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if o.PodMetadata != nil {
		mdPath := fldPath.Child("podMetadata")
		allErrs = append(allErrs, metav1validation.ValidateLabels(o.PodMetadata.Labels, mdPath.Child("labels"))...)
		allErrs = append(allErrs, apivalidation.ValidateAnnotations(o.PodMetadata.Annotations, mdPath.Child("annotations"))...)
	}
	if o.ServiceAccountName != "" {
		for _, msg := range apivalidation.ValidateServiceAccountName(o.ServiceAccountName, false) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("serviceAccountName"), o.ServiceAccountName, msg))
		}
	}
	allErrs = append(allErrs, metav1validation.ValidateLabels(o.NodeSelector, fldPath.Child("nodeSelector"))...)
	allErrs = append(allErrs, validateTolerations(o.Tolerations, fldPath.Child("tolerations"))...)
	volumesPath := fldPath.Child("volumes")
	volumes, errs := validateVolumes(o.Volumes, volumesPath)
	allErrs = append(allErrs, errs...)
	allErrs = append(allErrs, validateVolumeMounts(o.VolumeMounts, volumes, volumesPath, fldPath.Child("volumeMounts"))...)
	allErrs = append(allErrs, validateImagePullSecrets(o.ImagePullSecrets, fldPath.Child("imagePullSecrets"))...)
	return allErrs
}

// validateVolumes validates volumes and returns the set of their names for
// the mounts to refer to.
func validateVolumes(volumes []corev1.Volume, fldPath *field.Path) (sets.Set[string], field.ErrorList) {
	var allErrs field.ErrorList
	names := sets.New[string]()
	for i, v := range volumes {
		idxPath := fldPath.Index(i)
		namePath := idxPath.Child("name")
		switch {
		case v.Name == "":
			allErrs = append(allErrs, field.Required(namePath, ""))
		case names.Has(v.Name):
			allErrs = append(allErrs, field.Duplicate(namePath, v.Name))
		default:
			for _, msg := range validation.IsDNS1123Label(v.Name) {
				allErrs = append(allErrs, field.Invalid(namePath, v.Name, msg))
			}
		}
		names.Insert(v.Name)
		switch n := setPointerFields(&v.VolumeSource); {
		case n == 0:
			allErrs = append(allErrs, field.Required(idxPath, "must specify a volume type, such as persistentVolumeClaim"))
		case n > 1:
			allErrs = append(allErrs, field.Forbidden(idxPath, "may not specify more than 1 volume type"))
		}
	}
	return names, allErrs
}

func validateVolumeMounts(mounts []corev1.VolumeMount, volumes sets.Set[string], volumesPath, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	mountPaths := sets.New[string]()
	for i, m := range mounts {
		idxPath := fldPath.Index(i)
		namePath := idxPath.Child("name")
		switch {
		case m.Name == "":
			allErrs = append(allErrs, field.Required(namePath, ""))
		case !volumes.Has(m.Name):
			allErrs = append(allErrs, field.Invalid(namePath, m.Name, fmt.Sprintf("must be the name of a volume in %s", volumesPath)))
		}
		mountPath := idxPath.Child("mountPath")
		switch {
		case m.MountPath == "":
			allErrs = append(allErrs, field.Required(mountPath, ""))
		case hasNUL(m.MountPath):
			allErrs = append(allErrs, field.Invalid(mountPath, m.MountPath, nulDetail))
		case !path.IsAbs(m.MountPath):
			allErrs = append(allErrs, field.Invalid(mountPath, m.MountPath, "must be an absolute path"))
		case mountPaths.Has(path.Clean(m.MountPath)):
			allErrs = append(allErrs, field.Duplicate(mountPath, m.MountPath))
		}
		mountPaths.Insert(path.Clean(m.MountPath))
		if m.SubPath != "" {
			allErrs = append(allErrs, validateRelativePath(m.SubPath, idxPath.Child("subPath"))...)
		}
	}
	return allErrs
}

func validateRelativePath(p string, fldPath *field.Path) field.ErrorList {
	if hasNUL(p) {
		return field.ErrorList{field.Invalid(fldPath, p, nulDetail)}
	}
	if path.IsAbs(p) {
		return field.ErrorList{field.Invalid(fldPath, p, "must be a relative path")}
	}
	if slices.Contains(strings.Split(p, "/"), "..") {
		return field.ErrorList{field.Invalid(fldPath, p, "must not contain '..'")}
	}
	return nil
}

func validateImagePullSecrets(secrets []corev1.LocalObjectReference, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	seen := sets.New[string]()
	for i, s := range secrets {
		namePath := fldPath.Index(i).Child("name")
		switch {
		case s.Name == "":
			allErrs = append(allErrs, field.Required(namePath, ""))
		case seen.Has(s.Name):
			allErrs = append(allErrs, field.Duplicate(namePath, s.Name))
		default:
			for _, msg := range validation.IsDNS1123Subdomain(s.Name) {
				allErrs = append(allErrs, field.Invalid(namePath, s.Name, msg))
			}
		}
		seen.Insert(s.Name)
	}
	return allErrs
}

var (
	tolerationOperators = []string{string(corev1.TolerationOpEqual), string(corev1.TolerationOpExists)}
	taintEffects        = []string{string(corev1.TaintEffectNoSchedule), string(corev1.TaintEffectPreferNoSchedule), string(corev1.TaintEffectNoExecute)}
)

// validateTolerations applies the rules kube-apiserver applies to a pod's
// tolerations, so a bad toleration fails here and not when the pod is made.
func validateTolerations(tolerations []corev1.Toleration, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for i, t := range tolerations {
		idxPath := fldPath.Index(i)
		if t.Key != "" {
			for _, msg := range content.IsLabelKey(t.Key) {
				allErrs = append(allErrs, field.Invalid(idxPath.Child("key"), t.Key, msg))
			}
		}
		switch t.Operator {
		case "", corev1.TolerationOpEqual:
			if t.Key == "" {
				allErrs = append(allErrs, field.Invalid(idxPath.Child("operator"), t.Operator, "must be Exists when key is empty"))
			}
			for _, msg := range content.IsLabelValue(t.Value) {
				allErrs = append(allErrs, field.Invalid(idxPath.Child("value"), t.Value, msg))
			}
		case corev1.TolerationOpExists:
			if t.Value != "" {
				allErrs = append(allErrs, field.Invalid(idxPath.Child("value"), t.Value, "must be empty when operator is Exists"))
			}
		default:
			allErrs = append(allErrs, field.NotSupported(idxPath.Child("operator"), t.Operator, tolerationOperators))
		}
		if t.Effect != "" && !slices.Contains(taintEffects, string(t.Effect)) {
			allErrs = append(allErrs, field.NotSupported(idxPath.Child("effect"), t.Effect, taintEffects))
		}
		if t.TolerationSeconds != nil && t.Effect != corev1.TaintEffectNoExecute {
			allErrs = append(allErrs, field.Invalid(idxPath.Child("effect"), t.Effect, "must be NoExecute when tolerationSeconds is set"))
		}
	}
	return allErrs
}
