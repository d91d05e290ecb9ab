package pipelinerunresolve

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/admission"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/nested"
)

// A TuningJob whose trials are PipelineRuns is checked when it is created
// as each trial will be: its Pipeline must exist, its params must be the
// pipeline's (values that hold $(params.NAME) or $(trial.budget) are the
// trial's to fill, so their types are checked on each trial), and
// trialTemplate.objectiveTask must be a task of the pipeline. So a search
// whose every trial would be refused is refused up front, naming the
// field. Nothing is snapshotted: each trial resolves the pipeline when it
// is created, as a RecurringRun's runs do.

func handlesTuningJob(a admission.Attributes) bool {
	return a.GetResource().GroupResource() == ml.Resource("tuningjobs") && a.GetSubresource() == "" && a.GetOperation() == admission.Create
}

// validateTuningJob checks the pipeline trial template of a new TuningJob.
func (p *Plugin) validateTuningJob(ctx context.Context, a admission.Attributes) error {
	tun, ok := a.GetObject().(*ml.TuningJob)
	if !ok {
		return apierrors.NewBadRequest(fmt.Sprintf("%s: unexpected object of type %T", PluginName, a.GetObject()))
	}
	run := tun.Spec.TrialTemplate.PipelineRun
	if run == nil || (run.PipelineRef == nil) == (run.PipelineSpec == nil) || run.RetryOf != nil {
		return nil // validation refuses it, naming the fields
	}
	base := field.NewPath("spec", "trialTemplate", "pipelineRun")
	var (
		spec     *ml.PipelineSpec
		root     string
		specPath = base.Child("pipelineSpec")
	)
	if ref := run.PipelineRef; ref != nil {
		if err := p.gate.Check(ctx); err != nil {
			return err
		}
		specPath = base.Child("pipelineRef", "name")
		found, ok, err := p.getPipelineSpec(ctx, a.GetNamespace(), ref.Name)
		switch {
		case err != nil:
			return apierrors.NewInternalError(fmt.Errorf("read Pipeline %q: %w", ref.Name, err))
		case !ok:
			return apierrors.NewInvalid(ml.Kind("TuningJob"), tun.Name, field.ErrorList{field.Invalid(specPath, ref.Name,
				fmt.Sprintf("Pipeline %q does not exist in namespace %q", ref.Name, a.GetNamespace()))})
		}
		spec, root = found, ref.Name
	} else {
		spec = run.PipelineSpec.DeepCopy()
	}
	if nested.HasNested(spec) {
		if err := p.gate.Check(ctx); err != nil {
			return err
		}
		var errs field.ErrorList
		if spec, errs = p.expand(ctx, a.GetNamespace(), spec, root, specPath); len(errs) > 0 {
			return apierrors.NewInvalid(ml.Kind("TuningJob"), tun.Name, errs)
		}
	}
	errs := trialParamErrors(spec.Params, run.Params, tun.Spec.Parameters, base.Child("params"))
	if task := tun.Spec.TrialTemplate.ObjectiveTask; task != "" {
		if msg := validation.ObjectiveTaskOf(spec, task); msg != "" {
			errs = append(errs, field.Invalid(field.NewPath("spec", "trialTemplate", "objectiveTask"), task, msg))
		}
	}
	if len(errs) > 0 {
		return apierrors.NewInvalid(ml.Kind("TuningJob"), tun.Name, errs)
	}
	return nil
}

// trialParamErrors checks a trial template's params against the declared
// ones. The values a trial fills in are type-checked per trial, but for a
// value that is a whole $(params.NAME): its parameter's values must all
// be of the declared type, or every trial would be refused.
func trialParamErrors(declared []ml.ParamSpec, given []ml.Param, space []ml.TuningParameter, fldPath *field.Path) field.ErrorList {
	filled := map[string]bool{}
	for i, g := range given {
		if strings.Contains(g.Value, "$(params.") || strings.Contains(g.Value, "$(trial.budget)") {
			filled[fldPath.Index(i).Child("value").String()] = true
		}
	}
	var errs field.ErrorList
	for _, e := range validation.ValidateParamsAgainstSpec(declared, given, fldPath) {
		if !filled[e.Field] {
			errs = append(errs, e)
		}
	}
	types := map[string]ml.ParamType{}
	for _, d := range declared {
		types[d.Name] = d.Type
	}
	for i, g := range given {
		name, ok := strings.CutPrefix(g.Value, "$(params.")
		if !ok || !strings.HasSuffix(name, ")") {
			continue
		}
		name = strings.TrimSuffix(name, ")")
		for _, p := range space {
			if p.Name != name {
				continue
			}
			if msg := tunedValueError(types[g.Name], p); msg != "" {
				errs = append(errs, field.Invalid(fldPath.Index(i).Child("value"), g.Value,
					fmt.Sprintf("parameter %q of the pipeline is of type %s, but %s", g.Name, types[g.Name], msg)))
			}
		}
	}
	return errs
}

// tunedValueError says why some values of the tuned parameter p are not
// of the pipeline param type typ; "" when all are.
func tunedValueError(typ ml.ParamType, p ml.TuningParameter) string {
	switch p.Type {
	case ml.ParameterDouble:
		if typ == ml.ParamTypeInt || typ == ml.ParamTypeBool || typ == ml.ParamTypeList {
			return fmt.Sprintf("the search gives %s fractional numbers (a double parameter)", p.Name)
		}
	case ml.ParameterInt:
		if typ == ml.ParamTypeBool || typ == ml.ParamTypeList {
			return fmt.Sprintf("the search gives %s whole numbers (an int parameter)", p.Name)
		}
	default:
		for _, v := range p.Values {
			if err := validation.CheckParamValue(typ, v); err != nil {
				return fmt.Sprintf("the search gives %s the value %q, which %v", p.Name, v, err)
			}
		}
	}
	return ""
}
