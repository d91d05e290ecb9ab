package mlquota

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/admission/plugin/trainingruntimeresolve"
	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/nested"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/plan"
)

// A TuningJob holds, until it ends, its peak: parallelTrials trials at
// once, each what one trial TrainingJob holds (its replicas x what one
// replica requests) or what one trial PipelineRun holds at its peak (see
// pipelinerun.go), as a PipelineRun holds the peak of its tasks. So a
// search that cannot fit is refused when it is created, naming the numbers.
//
// Its trials, the TrainingJobs or PipelineRuns it owns, are held for by
// that peak: the first parallelTrials of its trials that run (by index)
// hold nothing themselves. A trial beyond them, or one whose TuningJob is
// gone or ended, holds what any TrainingJob or PipelineRun holds, so an
// ownerReference to a TuningJob never lets more run than the TuningJob
// was charged for.

// trialsPeak is the demand of a TuningJob.
type trialsPeak struct {
	// trial is one trial's demand: a shape, or a jobShape when the
	// template has roles.
	trial  demand
	trials int32
}

func (t trialsPeak) charge() charge {
	if s, ok := t.trial.(shape); ok {
		s.replicas *= t.trials
		return s.charge()
	}
	out := charge{}
	for k, q := range t.trial.charge() {
		q.Mul(int64(t.trials))
		out[k] = q
	}
	return out
}

func (t trialsPeak) explain(key corev1.ResourceName) string {
	return fmt.Sprintf("parallelTrials %d x %s", t.trials, t.trial.explain(key))
}

// tuningPeakOf returns what a TuningJob of TrainingJob trials can hold at
// once, each trial of spec trial (its template, or what a trial is
// admitted with: see ledger.trialSpec); an ended TuningJob, or one of
// PipelineRun trials (see ledger.tuningPeak), holds nothing here.
func tuningPeakOf(tun *ml.TuningJob, trial *ml.TrainingJobSpec) demand {
	if trial == nil || tuningEnded(tun.Status.Phase) {
		return shape{}
	}
	return trialsPeak{
		trial:  trainingJobShape(&ml.TrainingJob{Spec: *trial}),
		trials: replicasOr(tun.Spec.ParallelTrials, mlv1alpha1.DefaultParallelTrials),
	}
}

// trialSpec is the spec a trial of template tmpl is admitted with in
// namespace: the template with the runtime it names merged in, as
// TrainingRuntimeResolve merges it now (roles, replicas and resources a
// trial takes from the runtime are charged). A runtime the informers do
// not hold leaves the template as it is: TrainingRuntimeResolve refuses
// its trials.
func (l *ledger) trialSpec(namespace string, tmpl *ml.TrainingJobSpec) *ml.TrainingJobSpec {
	if tmpl == nil || tmpl.RuntimeRef == nil || tmpl.RuntimeRef.Name == "" {
		return tmpl
	}
	var template *mlv1alpha1.TrainingRuntimeTemplate
	switch ref := tmpl.RuntimeRef; ref.Kind {
	case "", ml.ClusterTrainingRuntimeKind:
		if l.clusterRuntimes == nil {
			return tmpl
		}
		r, err := l.clusterRuntimes.Get(ref.Name)
		if err != nil {
			return tmpl
		}
		template = &r.Spec.Template
	case ml.TrainingRuntimeKindName:
		if l.runtimes == nil {
			return tmpl
		}
		r, err := l.runtimes.TrainingRuntimes(namespace).Get(ref.Name)
		if err != nil {
			return tmpl
		}
		template = &r.Spec.Template
	default:
		return tmpl
	}
	t := &ml.TrainingRuntimeTemplate{}
	if err := mlv1alpha1.Convert_v1alpha1_TrainingRuntimeTemplate_To_ml_TrainingRuntimeTemplate(template, t, nil); err != nil {
		return tmpl
	}
	spec := tmpl.DeepCopy()
	trainingruntimeresolve.Resolve(spec, t)
	return spec
}

func tuningEnded[P ~string](phase P) bool {
	return string(phase) == string(ml.TuningJobSucceeded) || string(phase) == string(ml.TuningJobFailed)
}

// demandOf is shapeOf, but a trial its TuningJob's peak holds for holds
// nothing itself, and a TuningJob of PipelineRun trials holds
// parallelTrials x the peak of its pipeline.
func (l *ledger) demandOf(obj runtime.Object) (demand, bool) {
	switch o := obj.(type) {
	case *ml.TrainingJob:
		if l.coveredTrial(o, o.Annotations) {
			return shape{}, true
		}
	case *ml.PipelineRun:
		if l.coveredTrial(o, o.Annotations) {
			return shape{}, true
		}
	case *ml.TuningJob:
		if o.Spec.TrialTemplate.PipelineRun != nil {
			return l.tuningPeak(o), true
		}
		return tuningPeakOf(o, l.trialSpec(o.Namespace, o.Spec.TrialTemplate.TrainingJob)), true
	}
	return shapeOf(obj)
}

// coveredRun is coveredTrial of a PipelineRun as the informer holds it.
func (l *ledger) coveredRun(run *mlv1alpha1.PipelineRun) bool {
	in, err := internal(run)
	if err != nil {
		return false
	}
	return l.coveredTrial(in.(*ml.PipelineRun), run.Annotations)
}

// coveredTrial says whether obj, a TrainingJob or a PipelineRun, is one of
// the first parallelTrials running trials, by index, of the running
// TuningJob that controls it.
func (l *ledger) coveredTrial(obj metav1.Object, annotations map[string]string) bool {
	ref := metav1.GetControllerOf(obj)
	if l.tuns == nil || ref == nil || ref.Kind != "TuningJob" || ref.APIVersion != mlv1alpha1.SchemeGroupVersion.String() {
		return false
	}
	tun, err := l.tuns.TuningJobs(obj.GetNamespace()).Get(ref.Name)
	if err != nil || tun.UID != ref.UID || tuningEnded(tun.Status.Phase) {
		return false
	}
	// Only a trial shaped as the template: one scaled or changed since
	// holds its own.
	sel := labels.SelectorFromSet(labels.Set{mlv1alpha1.TuningJobNameLabel: tun.Name})
	type slot struct {
		index int
		name  string
	}
	slots := []slot{{trialIndex(annotations), obj.GetName()}}
	sibling := func(t metav1.Object, running bool) {
		if r := metav1.GetControllerOf(t); t.GetName() != obj.GetName() && r != nil && r.UID == tun.UID && running {
			slots = append(slots, slot{trialIndex(t.GetAnnotations()), t.GetName()})
		}
	}
	switch o := obj.(type) {
	case *ml.TrainingJob:
		if tun.Spec.TrialTemplate.TrainingJob == nil {
			return false
		}
		tmpl := &ml.TrainingJobSpec{}
		if err := mlv1alpha1.Convert_v1alpha1_TrainingJobSpec_To_ml_TrainingJobSpec(tun.Spec.TrialTemplate.TrainingJob, tmpl, nil); err != nil {
			return false
		}
		tmpl = l.trialSpec(tun.Namespace, tmpl)
		if replicasOr(o.Spec.Replicas, 1) != replicasOr(tmpl.Replicas, 1) || !apiequality.Semantic.DeepEqual(o.Spec.Resources, tmpl.Resources) ||
			!apiequality.Semantic.DeepEqual(o.Spec.Roles, tmpl.Roles) {
			return false
		}
		if l.jobs == nil {
			return false
		}
		trials, err := l.jobs.TrainingJobs(obj.GetNamespace()).List(sel)
		if err != nil {
			return false
		}
		for _, t := range trials {
			sibling(t, !t.Spec.Suspend && t.Status.Phase != mlv1alpha1.TrainingJobSucceeded && t.Status.Phase != mlv1alpha1.TrainingJobFailed)
		}
	case *ml.PipelineRun:
		tmpl := tun.Spec.TrialTemplate.PipelineRun
		if tmpl == nil || l.runs == nil || !sameRun(o, tmpl) {
			return false
		}
		trials, err := l.runs.PipelineRuns(obj.GetNamespace()).List(sel)
		if err != nil {
			return false
		}
		for _, t := range trials {
			sibling(t, !t.Spec.Cancel && !plan.IsFinished(ml.PipelineRunPhase(t.Status.Phase)))
		}
	default:
		return false
	}
	slices.SortFunc(slots, func(a, b slot) int {
		if a.index != b.index {
			return a.index - b.index
		}
		if a.name < b.name {
			return -1
		}
		return 1
	})
	parallel := int(replicasOr(tun.Spec.ParallelTrials, mlv1alpha1.DefaultParallelTrials))
	for i, s := range slots {
		if s.name == obj.GetName() {
			return i < parallel
		}
	}
	return false
}

// sameRun says whether a trial runs the pipeline of the template, as the
// TuningJob's peak counted it.
func sameRun(run *ml.PipelineRun, tmpl *mlv1alpha1.PipelineRunSpec) bool {
	if (run.Spec.PipelineRef == nil) != (tmpl.PipelineRef == nil) || (run.Spec.PipelineRef != nil && run.Spec.PipelineRef.Name != tmpl.PipelineRef.Name) {
		return false
	}
	if !apiequality.Semantic.DeepEqual(run.Spec.Parallelism, tmpl.Parallelism) {
		return false
	}
	if tmpl.PipelineSpec == nil {
		return run.Spec.PipelineSpec == nil
	}
	spec := &ml.PipelineSpec{}
	if err := mlv1alpha1.Convert_v1alpha1_PipelineSpec_To_ml_PipelineSpec(tmpl.PipelineSpec, spec, nil); err != nil {
		return false
	}
	return apiequality.Semantic.DeepEqual(run.Spec.PipelineSpec, spec)
}

// runTrialsPeak is the demand of a TuningJob of PipelineRun trials.
type runTrialsPeak struct {
	trial  runPeak
	trials int32
}

func (t runTrialsPeak) charge() charge {
	c := charge{}
	for k, v := range t.trial.charge() {
		q := v.DeepCopy()
		q.Mul(int64(t.trials))
		c[k] = q
	}
	return c
}

func (t runTrialsPeak) explain(key corev1.ResourceName) string {
	return fmt.Sprintf("parallelTrials %d x the peak of one trial's pipeline run (%s)", t.trials, t.trial.explain(key))
}

// tuningPeak is what a running TuningJob of PipelineRun trials holds:
// parallelTrials x the peak of one trial, laid out as the template's run
// would be with its pipeline (the referenced Pipeline as it is now, nested
// pipelines expanded). Every task counts as running: its when conditions
// may read the tuned params, whose values no one knows yet. A Pipeline
// that does not exist holds nothing (PipelineRunResolve refuses the
// TuningJob).
func (l *ledger) tuningPeak(tun *ml.TuningJob) demand {
	tmpl := tun.Spec.TrialTemplate.PipelineRun
	if tmpl == nil || tuningEnded(tun.Status.Phase) {
		return shape{}
	}
	spec := tmpl.PipelineSpec.DeepCopy()
	root := ""
	if tmpl.PipelineRef != nil {
		var ok bool
		if spec, ok = l.pipelineSpec(tun.Namespace, tmpl.PipelineRef.Name); !ok {
			return shape{}
		}
		root = tmpl.PipelineRef.Name
	}
	if spec == nil {
		return shape{}
	}
	if nested.HasNested(spec) {
		e := &nested.Expander{Namespace: tun.Namespace, Limits: nested.DefaultLimits(), Get: func(name string) (*ml.PipelineSpec, bool, error) {
			s, ok := l.pipelineSpec(tun.Namespace, name)
			return s, ok, nil
		}}
		if expanded, errs := e.Expand(spec, root, field.NewPath("spec")); len(errs) == 0 {
			spec = expanded
		}
	}
	for _, list := range [][]ml.PipelineTask{spec.Tasks, spec.Finally} {
		for i := range list {
			list[i].When = nil
		}
	}
	given := map[string]string{}
	for _, p := range tmpl.Params {
		given[p.Name] = p.Value
	}
	var params []ml.Param
	for _, d := range spec.Params {
		v, ok := given[d.Name]
		if !ok && d.Default != nil {
			v = *d.Default
		}
		params = append(params, ml.Param{Name: d.Name, Value: v})
	}
	run := &ml.PipelineRun{ObjectMeta: metav1.ObjectMeta{Name: tun.Name, Namespace: tun.Namespace}}
	if tmpl.Parallelism != nil {
		run.Spec.Parallelism = ptr.To(*tmpl.Parallelism)
	}
	run.Status.PipelineSpec, run.Status.Params = spec, params
	return runTrialsPeak{trial: peakOf(run), trials: replicasOr(tun.Spec.ParallelTrials, mlv1alpha1.DefaultParallelTrials)}
}

// pipelineSpec is the internal spec of Pipeline name, false when the
// informer holds none.
func (l *ledger) pipelineSpec(namespace, name string) (*ml.PipelineSpec, bool) {
	if l.pipelines == nil {
		return nil, false
	}
	p, err := l.pipelines.Pipelines(namespace).Get(name)
	if err != nil {
		return nil, false
	}
	spec := &ml.PipelineSpec{}
	if err := mlv1alpha1.Convert_v1alpha1_PipelineSpec_To_ml_PipelineSpec(&p.Spec, spec, nil); err != nil {
		return nil, false
	}
	return spec.DeepCopy(), true
}

// trialIndex is a trial's index from its annotation; a TrainingJob
// without one comes last.
func trialIndex(annotations map[string]string) int {
	if i, err := strconv.Atoi(annotations[mlv1alpha1.TrialIndexAnnotation]); err == nil && i >= 0 {
		return i
	}
	return math.MaxInt32
}
