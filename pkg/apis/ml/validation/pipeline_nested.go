package validation

import (
	"fmt"
	"strings"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// validateNestedTask checks the fields of a task that runs another
// pipeline (pipelineRef) rather than a container: the reference, its
// params, and none of the fields of a container or a pod, which come from
// the referenced pipeline's tasks. The fields a nested task shares with
// container tasks (dependsOn, when, retries, outputs, variables) are
// checked by validateTask.
func (pc *pipelineContext) validateNestedTask(t *ml.PipelineTask, isFinally bool, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	refPath := fldPath.Child("pipelineRef")
	if isFinally {
		allErrs = append(allErrs, field.Forbidden(refPath, "finally tasks run a container; only regular tasks may run a pipeline"))
	}
	if t.PipelineRef.Name == "" {
		allErrs = append(allErrs, field.Required(refPath.Child("name"), "the name of a Pipeline of the namespace"))
	} else {
		for _, msg := range validation.IsDNS1123Subdomain(t.PipelineRef.Name) {
			allErrs = append(allErrs, field.Invalid(refPath.Child("name"), t.PipelineRef.Name, msg))
		}
	}
	const notContainer = "a task with pipelineRef runs the tasks of the referenced pipeline; it may not set "
	if !apiequality.Semantic.DeepEqual(t.ContainerSpec, ml.ContainerSpec{}) {
		allErrs = append(allErrs, field.Forbidden(fldPath, notContainer+"image, command, args, env or resources"))
	}
	if !apiequality.Semantic.DeepEqual(t.PodOptions, ml.PodOptions{}) {
		allErrs = append(allErrs, field.Forbidden(fldPath, notContainer+"pod options (podMetadata, serviceAccountName, nodeSelector, tolerations, volumes, volumeMounts)"))
	}
	if t.Timeout != "" {
		allErrs = append(allErrs, field.Forbidden(fldPath.Child("timeout"), notContainer+"timeout (set it on the referenced pipeline's tasks)"))
	}
	if t.ForEach != nil {
		allErrs = append(allErrs, field.Forbidden(fldPath.Child("forEach"),
			"forEach over a nested pipeline is not supported: pass the list as a list param and use forEach in the referenced pipeline's tasks"))
	}
	seen := sets.New[string]()
	for i, p := range t.Params {
		allErrs = append(allErrs, validateParamName(p.Name, seen, fldPath.Child("params").Index(i).Child("name"))...)
		seen.Insert(p.Name)
		allErrs = append(allErrs, validateNoNUL(p.Value, fldPath.Child("params").Index(i).Child("value"))...)
	}
	return allErrs
}

// validatePipelineOutputs checks the named outputs of a pipeline: unique
// DNS labels, each exactly $(tasks.<task>.outputs.<output>) of a regular
// task that declares it.
func (pc *pipelineContext) validatePipelineOutputs(outputs []ml.PipelineOutput, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	seen := sets.New[string]()
	for i, o := range outputs {
		idxPath := fldPath.Index(i)
		namePath := idxPath.Child("name")
		switch {
		case o.Name == "":
			allErrs = append(allErrs, field.Required(namePath, ""))
		case seen.Has(o.Name):
			allErrs = append(allErrs, field.Duplicate(namePath, o.Name))
		default:
			for _, msg := range validation.IsDNS1123Label(o.Name) {
				allErrs = append(allErrs, field.Invalid(namePath, o.Name, msg))
			}
		}
		seen.Insert(o.Name)
		valuePath := idxPath.Child("value")
		vars := ParseVariables(o.Value)
		if len(vars) != 1 || vars[0].Text != o.Value || vars[0].Kind != VariableTaskOutput {
			allErrs = append(allErrs, field.Invalid(valuePath, o.Value, "must be $(tasks.<task>.outputs.<output>)"))
			continue
		}
		allErrs = append(allErrs, pc.validateTaskOutputRef(vars[0], o.Value, "", valuePath)...)
	}
	return allErrs
}

// nestedParamsErrors refuses params on a task that runs a container.
func nestedParamsErrors(t *ml.PipelineTask, fldPath *field.Path) field.ErrorList {
	if t.PipelineRef == nil && len(t.Params) > 0 {
		return field.ErrorList{field.Forbidden(fldPath.Child("params"), fmt.Sprintf("params are given to a referenced pipeline: set pipelineRef, or use $(params.<name>) of the pipeline in task %q", t.Name))}
	}
	return nil
}

// IsRunTaskName checks the name of a task of a run, as status.tasks, pods,
// logs and metrics name it: a DNS label, or DNS labels joined by "." for
// the tasks of nested pipelines (<task>.<inner task>). It returns what is
// wrong, nothing when it is valid.
func IsRunTaskName(name string) []string {
	var msgs []string
	for _, part := range strings.Split(name, ".") {
		msgs = append(msgs, validation.IsDNS1123Label(part)...)
	}
	return msgs
}

// validateNotSelfNested refuses a task of Pipeline name that runs the
// pipeline itself, the shortest cycle of pipelines; longer ones are
// refused when a run is created, when the pipelines are known.
func validateNotSelfNested(name string, spec *ml.PipelineSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for i, t := range spec.Tasks {
		if t.PipelineRef != nil && name != "" && t.PipelineRef.Name == name {
			allErrs = append(allErrs, field.Invalid(fldPath.Index(i).Child("pipelineRef", "name"), name,
				fmt.Sprintf("task %q runs Pipeline %q, the pipeline itself: a cycle of pipelines (%s -> %s)", t.Name, name, name, name)))
		}
	}
	return allErrs
}
