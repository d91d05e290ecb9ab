package validation

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

var (
	objectiveGoals     = []string{string(ml.ObjectiveMinimize), string(ml.ObjectiveMaximize)}
	aggregations       = []string{string(ml.AggregationLast), string(ml.AggregationBest)}
	parameterTypes     = []string{string(ml.ParameterDouble), string(ml.ParameterInt), string(ml.ParameterCategorical), string(ml.ParameterDiscrete)}
	parameterScales    = []string{string(ml.ScaleLinear), string(ml.ScaleLog)}
	tuningAlgorithms   = []string{string(ml.AlgorithmRandom), string(ml.AlgorithmGrid), string(ml.AlgorithmTPE), string(ml.AlgorithmHyperband)}
	tuningParamNameRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)
	tuningParamRefRE   = regexp.MustCompile(`\$\(params\.([^)]*)\)`)
	maxTuningParamName = 63
)

// ValidateTuningJob validates a TuningJob on create.
func ValidateTuningJob(obj *ml.TuningJob, opts Options) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&obj.ObjectMeta, true, tuningJobNameFunc(&obj.Spec.TrialTemplate, opts), metadataPath)
	return append(allErrs, validateTuningJobSpec(&obj.Spec, opts, specPath)...)
}

// ValidateTuningJobUpdate validates an update of a TuningJob: the search
// (objective, space, algorithm, template) is fixed once it started, since
// the trials so far were proposed and run for it; maxTrials,
// parallelTrials and maxFailedTrials may change.
func ValidateTuningJobUpdate(obj, old *ml.TuningJob, opts Options) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&obj.ObjectMeta, &old.ObjectMeta, metadataPath)
	fixed := *old.Spec.DeepCopy()
	fixed.MaxTrials, fixed.ParallelTrials, fixed.MaxFailedTrials = obj.Spec.MaxTrials, obj.Spec.ParallelTrials, obj.Spec.MaxFailedTrials
	if !apiequality.Semantic.DeepEqual(obj.Spec, fixed) {
		allErrs = append(allErrs, field.Forbidden(specPath, "may not change but for maxTrials, parallelTrials and maxFailedTrials: the trials so far were proposed for this search"))
	}
	return append(allErrs, validateTuningJobSpec(&obj.Spec, opts, specPath)...)
}

// ValidateTuningJobStatusUpdate validates an update of a TuningJob's status.
func ValidateTuningJobStatusUpdate(obj, old *ml.TuningJob) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&obj.ObjectMeta, &old.ObjectMeta, metadataPath)
	s := &obj.Status
	allErrs = append(allErrs, validateMinimum(&s.ObservedGeneration, 0, statusPath.Child("observedGeneration"))...)
	for _, c := range []struct {
		v    *int32
		name string
	}{{&s.TrialsCreated, "trialsCreated"}, {&s.Running, "running"}, {&s.Succeeded, "succeeded"}, {&s.Failed, "failed"}, {&s.EarlyStopped, "earlyStopped"}} {
		allErrs = append(allErrs, validateMinimum(c.v, 0, statusPath.Child(c.name))...)
	}
	if len(s.Trials) > MaxTuningStatusTrials {
		allErrs = append(allErrs, field.TooMany(statusPath.Child("trials"), len(s.Trials), MaxTuningStatusTrials))
	}
	return append(allErrs, metav1validation.ValidateConditions(s.Conditions, statusPath.Child("conditions"))...)
}

// MaxTuningStatusTrials is the most trials status.trials of a TuningJob
// lists (the latest); every trial is listed through its label.
const MaxTuningStatusTrials = 50

// tuningJobNameFunc checks a TuningJob's name so that the names of its
// trials, the name and "-<index>", are valid names of the kind it creates.
func tuningJobNameFunc(t *ml.TrialTemplate, opts Options) apivalidation.ValidateNameFunc {
	maxTrials := opts.MaxTuningTrials
	if maxTrials == 0 {
		maxTrials = DefaultMaxTuningTrials
	}
	suffix := len(strconv.Itoa(int(maxTrials)-1)) + 1
	return func(name string, prefix bool) []string {
		limit, msgs := 253, apivalidation.NameIsDNSSubdomain(name, prefix)
		if t.TrainingJob != nil {
			limit, msgs = MaxWorkloadNameLength, apivalidation.NameIsDNS1035Label(name, prefix)
		}
		if maxLen := limit - suffix; !prefix && len(name) > maxLen {
			msgs = append(msgs, fmt.Sprintf("must be no more than %d characters, so that the names of its trials (the name and -<index>) stay valid", maxLen))
		}
		return msgs
	}
}

func validateTuningJobSpec(spec *ml.TuningJobSpec, opts Options, fldPath *field.Path) field.ErrorList {
	allErrs := validateTuningObjective(&spec.Objective, fldPath.Child("objective"))
	allErrs = append(allErrs, validateTuningAlgorithm(&spec.Algorithm, fldPath.Child("algorithm"))...)
	allErrs = append(allErrs, ValidateSearchSpace(spec.Parameters, spec.Algorithm.Name, fldPath.Child("parameters"))...)
	if es := spec.EarlyStopping; es != nil && es.MedianStop != nil {
		msPath := fldPath.Child("earlyStopping", "medianStop")
		allErrs = append(allErrs, validateMinimum(es.MedianStop.MinTrials, 1, msPath.Child("minTrials"))...)
		allErrs = append(allErrs, validateMinimum(es.MedianStop.StartStep, 0, msPath.Child("startStep"))...)
	}
	maxTrials, maxParallel := opts.MaxTuningTrials, opts.MaxParallelTrials
	if maxTrials == 0 {
		maxTrials = DefaultMaxTuningTrials
	}
	if maxParallel == 0 {
		maxParallel = DefaultMaxParallelTrials
	}
	allErrs = append(allErrs, validateMinimum(spec.MaxTrials, 1, fldPath.Child("maxTrials"))...)
	allErrs = append(allErrs, validateMaximum(spec.MaxTrials, maxTrials, maxTuningTrialsFlag, fldPath.Child("maxTrials"))...)
	allErrs = append(allErrs, validateMinimum(spec.ParallelTrials, 1, fldPath.Child("parallelTrials"))...)
	allErrs = append(allErrs, validateMaximum(spec.ParallelTrials, maxParallel, maxParallelTrialsFlag, fldPath.Child("parallelTrials"))...)
	allErrs = append(allErrs, validateMinimum(spec.MaxFailedTrials, 1, fldPath.Child("maxFailedTrials"))...)
	return append(allErrs, validateTrialTemplate(&spec.TrialTemplate, spec.Parameters, opts, fldPath.Child("trialTemplate"))...)
}

func validateTuningObjective(o *ml.TuningObjective, fldPath *field.Path) field.ErrorList {
	allErrs := validateTuningMetricName(o.Metric, fldPath.Child("metric"))
	if !slices.Contains(objectiveGoals, string(o.Goal)) {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("goal"), o.Goal, objectiveGoals))
	}
	if o.Aggregation != "" && !slices.Contains(aggregations, string(o.Aggregation)) {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("aggregation"), o.Aggregation, aggregations))
	}
	if o.Target != nil && (math.IsNaN(*o.Target) || math.IsInf(*o.Target, 0)) {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("target"), *o.Target, "must be a finite number"))
	}
	seen := sets.New(o.Metric)
	for i, m := range o.AdditionalMetrics {
		p := fldPath.Child("additionalMetrics").Index(i)
		allErrs = append(allErrs, validateTuningMetricName(m, p)...)
		if seen.Has(m) {
			allErrs = append(allErrs, field.Duplicate(p, m))
		}
		seen.Insert(m)
	}
	return allErrs
}

// validateTuningMetricName checks a metric name as the metrics subresource does.
func validateTuningMetricName(name string, p *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(p, "a metric name, as the trials report it")}
	}
	var allErrs field.ErrorList
	for _, msg := range utilvalidation.IsQualifiedName(name) {
		allErrs = append(allErrs, field.Invalid(p, name, msg))
	}
	return allErrs
}

func validateTuningAlgorithm(a *ml.TuningAlgorithm, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if !slices.Contains(tuningAlgorithms, string(a.Name)) {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("name"), a.Name, tuningAlgorithms))
	}
	if seed, ok := a.Settings["seed"]; ok {
		if _, err := strconv.ParseInt(seed, 10, 64); err != nil {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("settings").Key("seed"), seed, "must be an integer"))
		}
	}
	return allErrs
}

// ValidateSearchSpace checks the parameters of a search for the algorithm
// named: at least one, each well formed, with the field of each error.
func ValidateSearchSpace(params []ml.TuningParameter, algorithm ml.TuningAlgorithmName, fldPath *field.Path) field.ErrorList {
	if len(params) == 0 {
		return field.ErrorList{field.Required(fldPath, "the search space needs at least one parameter")}
	}
	var allErrs field.ErrorList
	names := sets.New[string]()
	for i := range params {
		p, pPath := &params[i], fldPath.Index(i)
		switch {
		case p.Name == "":
			allErrs = append(allErrs, field.Required(pPath.Child("name"), ""))
		case len(p.Name) > maxTuningParamName || !tuningParamNameRE.MatchString(p.Name):
			allErrs = append(allErrs, field.Invalid(pPath.Child("name"), p.Name, fmt.Sprintf("must be at most %d letters, digits, '_' or '-', starting with a letter or '_'", maxTuningParamName)))
		case names.Has(p.Name):
			allErrs = append(allErrs, field.Duplicate(pPath.Child("name"), p.Name))
		}
		names.Insert(p.Name)
		allErrs = append(allErrs, validateTuningParameter(p, algorithm, pPath)...)
	}
	return allErrs
}

func validateTuningParameter(p *ml.TuningParameter, algorithm ml.TuningAlgorithmName, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	switch p.Type {
	case ml.ParameterDouble, ml.ParameterInt:
		allErrs = append(allErrs, validateNumericRange(p, fldPath)...)
		if len(p.Values) > 0 {
			allErrs = append(allErrs, field.Forbidden(fldPath.Child("values"), fmt.Sprintf("applies to categorical and discrete parameters; a %s parameter has min and max", p.Type)))
		}
		if p.Scale != "" && !slices.Contains(parameterScales, string(p.Scale)) {
			allErrs = append(allErrs, field.NotSupported(fldPath.Child("scale"), p.Scale, parameterScales))
		}
		if p.Type == ml.ParameterDouble && algorithm == ml.AlgorithmGrid && p.Step == nil {
			allErrs = append(allErrs, field.Required(fldPath.Child("step"), "grid search needs a step for a double parameter"))
		}
	case ml.ParameterCategorical, ml.ParameterDiscrete:
		vPath := fldPath.Child("values")
		if len(p.Values) == 0 {
			allErrs = append(allErrs, field.Required(vPath, fmt.Sprintf("a %s parameter needs at least one value", p.Type)))
		}
		seen := sets.New[string]()
		for i, v := range p.Values {
			if seen.Has(v) {
				allErrs = append(allErrs, field.Duplicate(vPath.Index(i), v))
			}
			seen.Insert(v)
			if _, err := strconv.ParseFloat(v, 64); p.Type == ml.ParameterDiscrete && err != nil {
				allErrs = append(allErrs, field.Invalid(vPath.Index(i), v, "a discrete parameter's values must be numbers"))
			}
		}
		for name, set := range map[string]bool{"min": p.Min != nil, "max": p.Max != nil, "step": p.Step != nil, "scale": p.Scale != ""} {
			if set {
				allErrs = append(allErrs, field.Forbidden(fldPath.Child(name), fmt.Sprintf("applies to double and int parameters; a %s parameter has values", p.Type)))
			}
		}
	default:
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("type"), p.Type, parameterTypes))
	}
	return allErrs
}

func validateNumericRange(p *ml.TuningParameter, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for name, v := range map[string]*float64{"min": p.Min, "max": p.Max, "step": p.Step} {
		switch {
		case v == nil && name != "step":
			allErrs = append(allErrs, field.Required(fldPath.Child(name), fmt.Sprintf("a %s parameter needs min and max", p.Type)))
		case v == nil:
		case math.IsNaN(*v) || math.IsInf(*v, 0):
			allErrs = append(allErrs, field.Invalid(fldPath.Child(name), *v, "must be a finite number"))
		case p.Type == ml.ParameterInt && *v != math.Trunc(*v):
			allErrs = append(allErrs, field.Invalid(fldPath.Child(name), *v, "must be a whole number for an int parameter"))
		}
	}
	if len(allErrs) > 0 {
		return allErrs
	}
	if *p.Min > *p.Max {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("min"), *p.Min, fmt.Sprintf("must be no more than max (%v)", *p.Max)))
	}
	if p.Step != nil && *p.Step <= 0 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("step"), *p.Step, "must be greater than 0"))
	}
	if p.Scale == ml.ScaleLog && *p.Min <= 0 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("min"), *p.Min, "must be greater than 0 on a log scale"))
	}
	return allErrs
}

func validateTrialTemplate(t *ml.TrialTemplate, params []ml.TuningParameter, opts Options, fldPath *field.Path) field.ErrorList {
	allErrs := validateRunTemplate(&ml.RunTemplate{Metadata: t.Metadata, PipelineRun: t.PipelineRun, TrainingJob: t.TrainingJob}, opts, fldPath)
	names := sets.New[string]()
	for _, p := range params {
		names.Insert(p.Name)
	}
	check := func(s string, p *field.Path) {
		for _, m := range tuningParamRefRE.FindAllStringSubmatch(s, -1) {
			if !names.Has(m[1]) {
				allErrs = append(allErrs, field.Invalid(p, s, fmt.Sprintf("$(params.%s) names no parameter of spec.parameters", m[1])))
			}
		}
	}
	if tj := t.TrainingJob; tj != nil {
		tjPath := fldPath.Child("trainingJob")
		for i, s := range tj.Command {
			check(s, tjPath.Child("command").Index(i))
		}
		for i, s := range tj.Args {
			check(s, tjPath.Child("args").Index(i))
		}
		for i, e := range tj.Env {
			check(e.Value, tjPath.Child("env").Index(i).Child("value"))
		}
	}
	if plr := t.PipelineRun; plr != nil {
		for i, p := range plr.Params {
			check(p.Value, fldPath.Child("pipelineRun", "params").Index(i).Child("value"))
		}
	}
	return allErrs
}
