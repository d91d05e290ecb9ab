package validation

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

var (
	objectiveGoals   = []string{string(ml.ObjectiveMinimize), string(ml.ObjectiveMaximize)}
	aggregations     = []string{string(ml.AggregationLast), string(ml.AggregationBest)}
	tuningParamRefRE = regexp.MustCompile(`\$\(params\.([^)]*)\)`)
)

// ValidateTuningJob validates a TuningJob on create. The search space and
// the algorithm's settings are validated by the registry, through the
// algorithms' own ValidateSpace and ValidateSettings.
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
	if len(s.Trials) > v1alpha1.MaxTuningStatusTrials {
		allErrs = append(allErrs, field.TooMany(statusPath.Child("trials"), len(s.Trials), v1alpha1.MaxTuningStatusTrials))
	}
	return append(allErrs, metav1validation.ValidateConditions(s.Conditions, statusPath.Child("conditions"))...)
}

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
	// A trial deleted by its TTL would leave the TuningJob's history: its
	// count, its result and its name, which the next trial would reuse.
	const trialTTL = "trials are kept while their TuningJob exists (they are its history); set ttlSecondsAfterFinished on the TuningJob's own run, or delete the TuningJob"
	if tj := t.TrainingJob; tj != nil && tj.TTLSecondsAfterFinished != nil {
		allErrs = append(allErrs, field.Forbidden(fldPath.Child("trainingJob", "ttlSecondsAfterFinished"), trialTTL))
	}
	if plr := t.PipelineRun; plr != nil && plr.TTLSecondsAfterFinished != nil {
		allErrs = append(allErrs, field.Forbidden(fldPath.Child("pipelineRun", "ttlSecondsAfterFinished"), trialTTL))
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
		plrPath := fldPath.Child("pipelineRun")
		for i, p := range plr.Params {
			check(p.Value, plrPath.Child("params").Index(i).Child("value"))
		}
		if plr.Cancel {
			allErrs = append(allErrs, field.Forbidden(plrPath.Child("cancel"), "trials would never run: the controller cancels the trials it stops"))
		}
		if plr.Suspend {
			allErrs = append(allErrs, field.Forbidden(plrPath.Child("suspend"), "trials would never run"))
		}
		if plr.RetryOf != nil {
			allErrs = append(allErrs, field.Forbidden(plrPath.Child("retryOf"), "a trial runs a pipeline (pipelineRef or pipelineSpec), not a retry"))
		}
	}
	return append(allErrs, validateObjectiveTask(t, fldPath)...)
}

// validateObjectiveTask checks trialTemplate.objectiveTask: only pipeline
// trials have tasks, and the task must be one of an inline pipeline's
// (admission checks it against a referenced Pipeline).
func validateObjectiveTask(t *ml.TrialTemplate, fldPath *field.Path) field.ErrorList {
	if t.ObjectiveTask == "" {
		return nil
	}
	p := fldPath.Child("objectiveTask")
	if t.PipelineRun == nil {
		return field.ErrorList{field.Forbidden(p, "only PipelineRun trials (pipelineRun) have tasks")}
	}
	var allErrs field.ErrorList
	// A task of a nested pipeline is <task>.<inner task>.
	for _, label := range strings.Split(t.ObjectiveTask, ".") {
		for _, msg := range utilvalidation.IsDNS1123Label(label) {
			allErrs = append(allErrs, field.Invalid(p, t.ObjectiveTask, msg))
		}
	}
	// An inline pipeline with nested pipelines is checked by admission,
	// once they are expanded.
	if spec := t.PipelineRun.PipelineSpec; spec != nil && len(allErrs) == 0 && !slices.ContainsFunc(spec.Tasks, func(pt ml.PipelineTask) bool { return pt.PipelineRef != nil }) {
		if msg := ObjectiveTaskOf(spec, t.ObjectiveTask); msg != "" {
			allErrs = append(allErrs, field.Invalid(p, t.ObjectiveTask, msg))
		}
	}
	return allErrs
}

// ObjectiveTaskOf says why task is not a task of the pipeline spec, whose
// nested pipelines may be expanded or not; "" when it is one.
func ObjectiveTaskOf(spec *ml.PipelineSpec, task string) string {
	var names []string
	for _, list := range [][]ml.PipelineTask{spec.Tasks, spec.Finally} {
		for _, pt := range list {
			if pt.Name == task {
				return ""
			}
			names = append(names, pt.Name)
		}
	}
	const listed = 10
	if len(names) > listed {
		names = append(names[:listed], "...")
	}
	return fmt.Sprintf("not a task of the pipeline (its tasks: %s)", strings.Join(names, ", "))
}
