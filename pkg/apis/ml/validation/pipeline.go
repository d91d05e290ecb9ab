package validation

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// ValidatePipeline validates a Pipeline on create.
func ValidatePipeline(obj *ml.Pipeline, opts Options) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&obj.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, metadataPath)
	allErrs = append(allErrs, validateNotSelfNested(obj.Name, &obj.Spec, specPath.Child("tasks"))...)
	return append(allErrs, ValidatePipelineSpec(&obj.Spec, opts, specPath)...)
}

// ValidatePipelineUpdate validates an update of a Pipeline. Every spec
// field may change: runs snapshot the spec they execute, so an edit never
// changes a run in flight.
func ValidatePipelineUpdate(obj, old *ml.Pipeline, opts Options) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&obj.ObjectMeta, &old.ObjectMeta, metadataPath)
	allErrs = append(allErrs, validateNotSelfNested(obj.Name, &obj.Spec, specPath.Child("tasks"))...)
	return append(allErrs, ValidatePipelineSpec(&obj.Spec, opts.ratchetForEach(&old.Spec).ratchetWhenCEL(&old.Spec), specPath)...)
}

// ValidatePipelineStatusUpdate validates an update of a Pipeline's status.
// Pipeline phases are not an enumeration, so only conditions and
// observedGeneration are checked.
func ValidatePipelineStatusUpdate(obj, old *ml.Pipeline) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&obj.ObjectMeta, &old.ObjectMeta, metadataPath)
	return append(allErrs, validateStatusCommon(obj.Status.ObservedGeneration, obj.Status.Conditions, "", nil, statusPath)...)
}

// ValidatePipelineSpec validates a pipeline spec at fldPath: spec of a
// Pipeline, or spec.pipelineSpec of a PipelineRun.
func ValidatePipelineSpec(spec *ml.PipelineSpec, opts Options, fldPath *field.Path) field.ErrorList {
	paramsPath := fldPath.Child("params")
	params, allErrs := validateParamSpecs(spec.Params, paramsPath)

	tasksPath, finallyPath := fldPath.Child("tasks"), fldPath.Child("finally")
	if len(spec.Tasks) == 0 {
		allErrs = append(allErrs, field.Required(tasksPath, "a pipeline needs at least one task"))
	}
	// Task names are unique across tasks and finally: both become pod names
	// and keys of status.tasks.
	regular := map[string]*ml.PipelineTask{}
	finally := map[string]*ml.PipelineTask{}
	for i := range spec.Tasks {
		t := &spec.Tasks[i]
		allErrs = append(allErrs, validateTaskName(t.Name, regular, finally, tasksPath.Index(i).Child("name"))...)
		if _, dup := regular[t.Name]; !dup {
			regular[t.Name] = t
		}
	}
	for i := range spec.Finally {
		t := &spec.Finally[i]
		allErrs = append(allErrs, validateTaskName(t.Name, regular, finally, finallyPath.Index(i).Child("name"))...)
		if _, dup := finally[t.Name]; !dup && regular[t.Name] == nil {
			finally[t.Name] = t
		}
	}

	pc := &pipelineContext{params: params, paramsPath: paramsPath, tasks: regular, finally: finally, tasksPath: tasksPath, opts: opts}
	for i := range spec.Tasks {
		allErrs = append(allErrs, pc.validateTask(&spec.Tasks[i], false, tasksPath.Index(i))...)
	}
	for i := range spec.Finally {
		allErrs = append(allErrs, pc.validateTask(&spec.Finally[i], true, finallyPath.Index(i))...)
	}
	allErrs = append(allErrs, pc.validatePipelineOutputs(spec.Outputs, fldPath.Child("outputs"))...)
	if cycle := findTaskCycle(spec.Tasks); cycle != nil {
		allErrs = append(allErrs, field.Invalid(tasksPath, field.OmitValueType{}, "dependency cycle: "+strings.Join(cycle, " -> ")))
	}
	return allErrs
}

// findTaskCycle is FindCycle without self-dependencies, which are reported
// on the dependsOn entry or variable that makes them.
func findTaskCycle(tasks []ml.PipelineTask) []string {
	names, deps := dependencyGraph(tasks)
	for name, ds := range deps {
		deps[name] = slices.DeleteFunc(ds, func(d string) bool { return d == name })
	}
	return findCycle(names, deps)
}

func validateTaskName(name string, regular, finally map[string]*ml.PipelineTask, fldPath *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(fldPath, "")}
	}
	if regular[name] != nil || finally[name] != nil {
		return field.ErrorList{field.Duplicate(fldPath, name)}
	}
	var allErrs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(name) {
		allErrs = append(allErrs, field.Invalid(fldPath, name, msg))
	}
	return allErrs
}

// paramTypes are the parameter types, for error messages.
var paramTypes = []string{string(ml.ParamTypeString), string(ml.ParamTypeInt), string(ml.ParamTypeFloat), string(ml.ParamTypeBool), string(ml.ParamTypeList)}

// validateParamSpecs validates parameter declarations and returns the type
// of each declared name (string for an unset type).
func validateParamSpecs(params []ml.ParamSpec, fldPath *field.Path) (map[string]ml.ParamType, field.ErrorList) {
	var allErrs field.ErrorList
	types := make(map[string]ml.ParamType, len(params))
	for i, p := range params {
		idxPath := fldPath.Index(i)
		allErrs = append(allErrs, validateParamName(p.Name, sets.KeySet(types), idxPath.Child("name"))...)
		typ := p.Type
		switch typ {
		case "":
			typ = ml.ParamTypeString
		case ml.ParamTypeString, ml.ParamTypeInt, ml.ParamTypeFloat, ml.ParamTypeBool, ml.ParamTypeList:
		default:
			allErrs = append(allErrs, field.NotSupported(idxPath.Child("type"), p.Type, paramTypes))
		}
		if _, dup := types[p.Name]; !dup {
			types[p.Name] = typ
		}
		if p.Default != nil {
			if err := CheckParamValue(typ, *p.Default); err != nil {
				allErrs = append(allErrs, field.Invalid(idxPath.Child("default"), *p.Default, err.Error()))
			}
		}
	}
	return types, allErrs
}

// validateParamName checks a parameter name (declared or given) and that it
// is not in seen.
func validateParamName(name string, seen sets.Set[string], fldPath *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(fldPath, "")}
	}
	if seen.Has(name) {
		return field.ErrorList{field.Duplicate(fldPath, name)}
	}
	var allErrs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(name) {
		allErrs = append(allErrs, field.Invalid(fldPath, name, msg))
	}
	return allErrs
}

// CheckParamValue returns an error when value cannot be read as typ: an
// int is a base-10 integer, a float a decimal number, a bool "true" or
// "false", a list a JSON array of strings. An empty type means string.
func CheckParamValue(typ ml.ParamType, value string) error {
	if hasNUL(value) {
		return fmt.Errorf("%s", nulDetail)
	}
	switch typ {
	case ml.ParamTypeInt:
		if _, err := strconv.ParseInt(value, 10, 64); err != nil {
			return fmt.Errorf("must be an integer")
		}
	case ml.ParamTypeFloat:
		if _, err := strconv.ParseFloat(value, 64); err != nil {
			return fmt.Errorf("must be a number")
		}
	case ml.ParamTypeBool:
		if value != "true" && value != "false" {
			return fmt.Errorf(`must be "true" or "false"`)
		}
	case ml.ParamTypeList:
		var items []string
		if !strings.HasPrefix(strings.TrimSpace(value), "[") || json.Unmarshal([]byte(value), &items) != nil {
			return fmt.Errorf(`must be a JSON array of strings, such as ["a","b"]`)
		}
		if slices.ContainsFunc(items, hasNUL) {
			return fmt.Errorf("items %s", nulDetail)
		}
	}
	return nil
}

// ValidateParamsAgainstSpec checks the params given to a run (at fldPath)
// against the pipeline's declarations: every given param is declared and
// its value has the declared type, and every param without a default is
// given. Names are assumed unique (see the PipelineRun rules). The
// PipelineRunResolve admission plugin uses it for runs with a pipelineRef.
func ValidateParamsAgainstSpec(declared []ml.ParamSpec, given []ml.Param, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	byName := make(map[string]*ml.ParamSpec, len(declared))
	for i := range declared {
		if byName[declared[i].Name] == nil {
			byName[declared[i].Name] = &declared[i]
		}
	}
	givenNames := sets.New[string]()
	for i, p := range given {
		givenNames.Insert(p.Name)
		decl := byName[p.Name]
		if decl == nil {
			if p.Name != "" {
				allErrs = append(allErrs, field.Invalid(fldPath.Index(i).Child("name"), p.Name, "is not a parameter of the pipeline"))
			}
			continue
		}
		if err := CheckParamValue(decl.Type, p.Value); err != nil {
			allErrs = append(allErrs, field.Invalid(fldPath.Index(i).Child("value"), p.Value, fmt.Sprintf("parameter %q is of type %s: %v", p.Name, paramType(decl.Type), err)))
		}
	}
	for _, d := range declared {
		if d.Default == nil && d.Name != "" && !givenNames.Has(d.Name) {
			allErrs = append(allErrs, field.Required(fldPath, fmt.Sprintf("parameter %q has no default and must be given", d.Name)))
			givenNames.Insert(d.Name)
		}
	}
	return allErrs
}

func paramType(t ml.ParamType) ml.ParamType {
	if t == "" {
		return ml.ParamTypeString
	}
	return t
}
