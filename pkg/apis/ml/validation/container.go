package validation

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// validateContainerSpec validates the main-container fields shared by
// pipeline tasks, TrainingJobs and Notebooks. fldPath is the struct that
// inlines the ContainerSpec, so errors name spec.image, spec.env[0].name...
func validateContainerSpec(c *ml.ContainerSpec, fldPath *field.Path) field.ErrorList {
	allErrs := validateProcess(c.Image, c.Command, c.Args, fldPath)
	allErrs = append(allErrs, validateEnv(c.Env, fldPath.Child("env"))...)
	allErrs = append(allErrs, validateResources(&c.Resources, fldPath.Child("resources"))...)
	return allErrs
}

// validateImageOrCommand requires something to run. An image alone is
// enough on Kubernetes; standalone mode ignores the image and runs command
// as a host process, so a command alone is enough too.
func validateImageOrCommand(image string, command []string, fldPath *field.Path) field.ErrorList {
	if image == "" && len(command) == 0 {
		return field.ErrorList{field.Required(fldPath.Child("image"), "one of image or command is required (standalone mode runs command on the host and ignores image)")}
	}
	return nil
}

// validateEnv validates environment variables: C-identifier-like unique
// names, values without NUL bytes, and at most one of value and valueFrom.
func validateEnv(env []corev1.EnvVar, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	seen := sets.New[string]()
	for i, e := range env {
		idxPath := fldPath.Index(i)
		namePath := idxPath.Child("name")
		switch {
		case e.Name == "":
			allErrs = append(allErrs, field.Required(namePath, ""))
		case seen.Has(e.Name):
			allErrs = append(allErrs, field.Duplicate(namePath, e.Name))
		default:
			for _, msg := range validation.IsEnvVarName(e.Name) {
				allErrs = append(allErrs, field.Invalid(namePath, e.Name, msg))
			}
		}
		seen.Insert(e.Name)
		allErrs = append(allErrs, validateNoNUL(e.Value, idxPath.Child("value"))...)
		if e.ValueFrom != nil {
			fromPath := idxPath.Child("valueFrom")
			if e.Value != "" {
				allErrs = append(allErrs, field.Invalid(fromPath, "", "may not be specified when value is not empty"))
			}
			switch n := setPointerFields(e.ValueFrom); {
			case n == 0:
				allErrs = append(allErrs, field.Required(fromPath, "must specify one of: fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef or fileKeyRef"))
			case n > 1:
				allErrs = append(allErrs, field.Invalid(fromPath, "", "may not have more than one field specified at a time"))
			}
		}
	}
	return allErrs
}

// standardResources are the resource names Kubernetes knows without a
// domain prefix; anything else (GPUs and other extended resources) must be
// domain-prefixed, such as nvidia.com/gpu.
var standardResources = sets.New(corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage, corev1.ResourceStorage)

// validateResources validates compute resources: qualified names,
// non-negative quantities and requests no larger than limits.
func validateResources(r *corev1.ResourceRequirements, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	limitsPath := fldPath.Child("limits")
	for _, name := range sortedKeys(r.Limits) {
		q := r.Limits[name]
		p := limitsPath.Key(string(name))
		allErrs = append(allErrs, validateResourceName(name, p)...)
		if q.Sign() < 0 {
			allErrs = append(allErrs, field.Invalid(p, q.String(), "must be greater than or equal to 0"))
		}
	}
	requestsPath := fldPath.Child("requests")
	for _, name := range sortedKeys(r.Requests) {
		q := r.Requests[name]
		p := requestsPath.Key(string(name))
		allErrs = append(allErrs, validateResourceName(name, p)...)
		if q.Sign() < 0 {
			allErrs = append(allErrs, field.Invalid(p, q.String(), "must be greater than or equal to 0"))
		}
		if limit, ok := r.Limits[name]; ok && q.Cmp(limit) > 0 {
			allErrs = append(allErrs, field.Invalid(p, q.String(), fmt.Sprintf("must be less than or equal to the %s limit of %s", name, limit.String())))
		}
	}
	if len(r.Claims) > 0 {
		allErrs = append(allErrs, field.Forbidden(fldPath.Child("claims"), "resource claims are not supported"))
	}
	return allErrs
}

func validateResourceName(name corev1.ResourceName, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for _, msg := range content.IsLabelKey(string(name)) {
		allErrs = append(allErrs, field.Invalid(fldPath, name, msg))
	}
	if len(allErrs) == 0 && !strings.Contains(string(name), "/") &&
		!standardResources.Has(name) && !strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix) {
		allErrs = append(allErrs, field.Invalid(fldPath, name, "must be cpu, memory, ephemeral-storage, storage, hugepages-<size>, or a domain-prefixed extended resource such as nvidia.com/gpu"))
	}
	return allErrs
}

func sortedKeys(m corev1.ResourceList) []corev1.ResourceName {
	keys := make([]corev1.ResourceName, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
