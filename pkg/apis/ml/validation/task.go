package validation

import (
	"errors"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// MaxRetryLimit is the most retries a pipeline task may ask for.
const MaxRetryLimit = 100

// pipelineContext is what a task is validated against: the declared
// params and the tasks of its pipeline.
type pipelineContext struct {
	params     map[string]ml.ParamType
	paramsPath *field.Path
	tasks      map[string]*ml.PipelineTask
	finally    map[string]*ml.PipelineTask
	tasksPath  *field.Path
	opts       Options
}

var whenOperators = []string{string(ml.WhenOperatorIn), string(ml.WhenOperatorNotIn)}

// validateTask validates a task at fldPath, except for its name, which the
// pipeline checks for uniqueness.
func (pc *pipelineContext) validateTask(t *ml.PipelineTask, isFinally bool, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if t.PipelineRef != nil {
		allErrs = pc.validateNestedTask(t, isFinally, fldPath)
	} else {
		allErrs = validateContainerSpec(&t.ContainerSpec, fldPath)
		allErrs = append(allErrs, validatePodOptions(&t.PodOptions, fldPath)...)
		allErrs = append(allErrs, nestedParamsErrors(t, fldPath)...)
	}
	allErrs = append(allErrs, pc.validateDependsOn(t, isFinally, fldPath.Child("dependsOn"))...)
	allErrs = append(allErrs, validateOutputs(t.Outputs, fldPath.Child("outputs"))...)
	for i, w := range t.When {
		wPath := fldPath.Child("when").Index(i)
		if w.CEL != "" {
			allErrs = append(allErrs, pc.validateWhenCEL(t, w, wPath)...)
			continue
		}
		if w.Input == "" {
			allErrs = append(allErrs, field.Required(wPath.Child("input"), ""))
		}
		if !slices.Contains(whenOperators, string(w.Operator)) {
			allErrs = append(allErrs, field.NotSupported(wPath.Child("operator"), w.Operator, whenOperators))
		}
		if len(w.Values) == 0 {
			allErrs = append(allErrs, field.Required(wPath.Child("values"), "at least one value is required"))
		}
	}
	if t.ForEach != nil && t.PipelineRef == nil {
		allErrs = append(allErrs, pc.validateForEach(t, fldPath.Child("forEach"))...)
	}
	if t.Retries != nil {
		allErrs = append(allErrs, validateRetries(t.Retries, fldPath.Child("retries"))...)
	}
	_, errs := validatePositiveDuration(t.Timeout, fldPath.Child("timeout"))
	allErrs = append(allErrs, errs...)
	for _, f := range variableFields(t, fldPath) {
		if f.forEachFrom {
			continue // validateForEach checks its single variable
		}
		for _, v := range ParseVariables(f.value) {
			allErrs = append(allErrs, pc.validateVariable(v, t, isFinally, f)...)
		}
	}
	return allErrs
}

func (pc *pipelineContext) validateDependsOn(t *ml.PipelineTask, isFinally bool, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	seen := sets.New[string]()
	for i, d := range t.DependsOn {
		p := fldPath.Index(i)
		switch {
		case isFinally:
			allErrs = append(allErrs, field.Forbidden(p, "finally tasks run after all tasks have ended and may not depend on other tasks"))
		case seen.Has(d):
			allErrs = append(allErrs, field.Duplicate(p, d))
		case d == t.Name:
			allErrs = append(allErrs, field.Invalid(p, d, "a task may not depend on itself"))
		case pc.finally[d] != nil:
			allErrs = append(allErrs, field.Forbidden(p, fmt.Sprintf("%q is a finally task; finally tasks run after all tasks and may not be depended on", d)))
		case pc.tasks[d] == nil:
			allErrs = append(allErrs, field.Invalid(p, d, fmt.Sprintf("must be the name of a task in %s", pc.tasksPath)))
		}
		seen.Insert(d)
	}
	return allErrs
}

func validateOutputs(outputs []ml.TaskOutput, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	seen := sets.New[string]()
	for i, o := range outputs {
		p := fldPath.Index(i).Child("name")
		switch {
		case o.Name == "":
			allErrs = append(allErrs, field.Required(p, ""))
		case seen.Has(o.Name):
			allErrs = append(allErrs, field.Duplicate(p, o.Name))
		default:
			for _, msg := range validation.IsDNS1123Label(o.Name) {
				allErrs = append(allErrs, field.Invalid(p, o.Name, msg))
			}
		}
		seen.Insert(o.Name)
	}
	return allErrs
}

func validateRetries(r *ml.RetryPolicy, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if r.Limit < 0 || r.Limit > MaxRetryLimit {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("limit"), r.Limit, fmt.Sprintf("must be between 0 and %d", MaxRetryLimit)))
	}
	if b := r.Backoff; b != nil {
		bPath := fldPath.Child("backoff")
		d, errs := validatePositiveDuration(b.Duration, bPath.Child("duration"))
		allErrs = append(allErrs, errs...)
		maxD, errs := validatePositiveDuration(b.MaxDuration, bPath.Child("maxDuration"))
		allErrs = append(allErrs, errs...)
		if d > 0 && maxD > 0 && maxD < d {
			allErrs = append(allErrs, field.Invalid(bPath.Child("maxDuration"), b.MaxDuration, "must not be less than duration"))
		}
		if b.Factor != nil && *b.Factor < 1 {
			allErrs = append(allErrs, field.Invalid(bPath.Child("factor"), *b.Factor, "must be at least 1"))
		}
	}
	return allErrs
}

func (pc *pipelineContext) validateForEach(t *ml.PipelineTask, fldPath *field.Path) field.ErrorList {
	fe := t.ForEach
	switch {
	case len(fe.Items) == 0 && fe.From == "":
		return field.ErrorList{field.Required(fldPath, "one of items or from is required")}
	case len(fe.Items) > 0 && fe.From != "":
		return field.ErrorList{field.Forbidden(fldPath.Child("from"), "may not be set together with items")}
	case len(fe.Items) > int(pc.opts.MaxForEachItems):
		err := field.TooMany(fldPath.Child("items"), len(fe.Items), int(pc.opts.MaxForEachItems))
		err.Detail += fmt.Sprintf(" (the server's %s)", maxForEachFlag)
		return field.ErrorList{err}
	case fe.From == "":
		return validateNoNULs(fe.Items, fldPath.Child("items"))
	}
	fromPath := fldPath.Child("from")
	vars := ParseVariables(fe.From)
	if len(vars) != 1 || vars[0].Text != fe.From {
		return field.ErrorList{field.Invalid(fromPath, fe.From, "must be $(params.<list parameter>) or $(tasks.<task>.outputs.<output>)")}
	}
	v := vars[0]
	switch v.Kind {
	case VariableParam:
		typ, ok := pc.params[v.Name]
		if !ok {
			return field.ErrorList{field.Invalid(fromPath, fe.From, fmt.Sprintf("parameter %q is not declared in %s", v.Name, pc.paramsPath))}
		}
		if typ != ml.ParamTypeList {
			return field.ErrorList{field.Invalid(fromPath, fe.From, fmt.Sprintf("parameter %q is of type %s; forEach needs a list parameter", v.Name, typ))}
		}
		return nil
	case VariableTaskOutput:
		return pc.validateTaskOutputRef(v, fe.From, t.Name, fromPath)
	default:
		return field.ErrorList{field.Invalid(fromPath, fe.From, "must be $(params.<list parameter>) or $(tasks.<task>.outputs.<output>)")}
	}
}

// validateWhenCEL checks a CEL when condition of task t: alone, compiling
// to a bool within the cost limit, reading declared params and outputs of
// tasks t may read.
func (pc *pipelineContext) validateWhenCEL(t *ml.PipelineTask, w ml.WhenExpression, wPath *field.Path) field.ErrorList {
	celPath := wPath.Child("cel")
	var allErrs field.ErrorList
	if w.Input != "" || w.Operator != "" || len(w.Values) > 0 {
		allErrs = append(allErrs, field.Forbidden(wPath, "cel may not be set together with input, operator and values"))
	}
	c, err := CompileWhenCEL(w.CEL, pc.opts.WhenCELCostLimit)
	var costErr *WhenCELCostError
	if errors.As(err, &costErr) && pc.opts.storedCEL.Has(w.CEL) {
		c, err = CompileWhenCEL(w.CEL, int64(costErr.Estimate))
	}
	if err != nil {
		return append(allErrs, field.Invalid(celPath, w.CEL, fmt.Sprintf("task %q: %v", t.Name, err)))
	}
	for _, v := range c.Refs {
		switch v.Kind {
		case VariableParam:
			if _, ok := pc.params[v.Name]; !ok {
				allErrs = append(allErrs, field.Invalid(celPath, w.CEL, fmt.Sprintf("task %q: %s: parameter %q is not declared in %s", t.Name, v.Text, v.Name, pc.paramsPath)))
			}
		case VariableTaskOutput:
			allErrs = append(allErrs, pc.validateTaskOutputRef(v, w.CEL, t.Name, celPath)...)
		}
	}
	return allErrs
}

// validateVariable checks one variable used by task t in field f.
func (pc *pipelineContext) validateVariable(v Variable, t *ml.PipelineTask, isFinally bool, f variableField) field.ErrorList {
	switch v.Kind {
	case VariableParam:
		if _, ok := pc.params[v.Name]; !ok {
			return field.ErrorList{field.Invalid(f.path, f.value, fmt.Sprintf("%s: parameter %q is not declared in %s", v.Text, v.Name, pc.paramsPath))}
		}
	case VariableTaskOutput:
		return pc.validateTaskOutputRef(v, f.value, t.Name, f.path)
	case VariableItem:
		if t.ForEach == nil {
			return field.ErrorList{field.Forbidden(f.path, "$(item) may only be used in a task with forEach")}
		}
	case VariableRunStatus:
		if !isFinally {
			return field.ErrorList{field.Forbidden(f.path, "$(run.status) may only be used in finally tasks")}
		}
	default:
		return field.ErrorList{field.Invalid(f.path, f.value, fmt.Sprintf("unknown variable %s: use $(params.<name>), $(tasks.<task>.outputs.<output>), $(item) or $(run.status), or write $$( for a literal $(", v.Text))}
	}
	return nil
}

// validateTaskOutputRef checks that $(tasks.X.outputs.Y), used in value by
// task self, names a regular task X other than self that declares output
// Y. Finally tasks may reference any regular task; nothing may reference a
// finally task, which runs last.
func (pc *pipelineContext) validateTaskOutputRef(v Variable, value, self string, fldPath *field.Path) field.ErrorList {
	switch {
	case v.Task == self:
		return field.ErrorList{field.Invalid(fldPath, value, fmt.Sprintf("%s: a task may not use its own outputs", v.Text))}
	case pc.finally[v.Task] != nil:
		return field.ErrorList{field.Forbidden(fldPath, fmt.Sprintf("%s: %q is a finally task; the outputs of finally tasks may not be used", v.Text, v.Task))}
	case pc.tasks[v.Task] == nil:
		return field.ErrorList{field.Invalid(fldPath, value, fmt.Sprintf("%s: no task %q in %s", v.Text, v.Task, pc.tasksPath))}
	}
	if !slices.ContainsFunc(pc.tasks[v.Task].Outputs, func(o ml.TaskOutput) bool { return o.Name == v.Output }) {
		return field.ErrorList{field.Invalid(fldPath, value, fmt.Sprintf("%s: task %q declares no output %q", v.Text, v.Task, v.Output))}
	}
	return nil
}
