package tuningjob

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	clienttesting "k8s.io/client-go/testing"

	"k8s.io/client-go/tools/cache"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// pipelineTuningJob is tuningJob with PipelineRun trials of the Pipeline
// train, whose params lr and layers get the trial's values, the objective
// reported by objectiveTask.
func pipelineTuningJob(maxTrials, parallel int32, objectiveTask string, mutate func(*mltesting.TuningJobWrapper)) *mlv1alpha1.TuningJob {
	return tuningJob(maxTrials, parallel, func(w *mltesting.TuningJobWrapper) {
		run := mltesting.MakePipelineRun("x", "ns").PipelineRef("train").
			Param("lr", "$(params.lr)").Param("layers", "$(params.layers)").Param("epochs", "5").Obj()
		w.PipelineRun(run.Spec, objectiveTask)
		if mutate != nil {
			mutate(w)
		}
	})
}

func (f *fixture) run(name string) *mlv1alpha1.PipelineRun {
	f.T.Helper()
	run, err := f.ML.MlV1alpha1().PipelineRuns("ns").Get(f.Ctx, name, metav1.GetOptions{})
	if err != nil {
		f.T.Fatal(err)
	}
	return run
}

// endRun ends the PipelineRun name in phase, its tasks' objective series
// given by task (values at steps 1, 2, ...) and its tasks' outputs.
func (f *fixture) endRun(name string, phase mlv1alpha1.PipelineRunPhase, series map[string][]float64, outputs map[string]string) {
	f.T.Helper()
	f.metrics[name] = nil
	for task, values := range series {
		f.metrics[name] = append(f.metrics[name], TaskSeries{Task: task, Points: points(values...)})
	}
	run := f.run(name)
	run.Status.Phase = phase
	for task, value := range outputs {
		run.Status.Tasks = append(run.Status.Tasks, mlv1alpha1.PipelineTaskStatus{Name: task, Phase: mlv1alpha1.TaskSucceeded,
			Outputs: []mlv1alpha1.Param{{Name: "loss", Value: value}}})
	}
	if _, err := f.ML.MlV1alpha1().PipelineRuns("ns").UpdateStatus(f.Ctx, run, metav1.UpdateOptions{}); err != nil {
		f.T.Fatal(err)
	}
}

func trialSummary(s mlv1alpha1.TuningJobStatus, name string) mlv1alpha1.TrialSummary {
	for _, t := range s.Trials {
		if t.Name == name {
			return t
		}
	}
	return mlv1alpha1.TrialSummary{}
}

// PipelineRun trials are owned, labeled PipelineRuns of the template with
// the parameters in their params; the objective is the series of the
// objective task.
func TestSyncPipelineTrials(t *testing.T) {
	f := newFixture(t, pipelineTuningJob(4, 2, "fit", nil))
	f.sync()
	if diff := cmp.Diff([]string{"create pipelineruns tun-0", "create pipelineruns tun-1", "update tuningjobs/status tun"}, f.writes()); diff != "" {
		t.Fatalf("writes (-want +got):\n%s", diff)
	}
	run := f.run("tun-0")
	if ref := metav1.GetControllerOf(run); ref == nil || ref.Kind != "TuningJob" || ref.UID != "uid-tun" {
		t.Errorf("controller of the trial = %+v, want TuningJob tun", ref)
	}
	if run.Labels[mlv1alpha1.TuningJobNameLabel] != "tun" || run.Annotations[mlv1alpha1.TrialIndexAnnotation] != "0" {
		t.Errorf("metadata of the trial = %v %v", run.Labels, run.Annotations)
	}
	var params map[string]string
	if err := json.Unmarshal([]byte(run.Annotations[mlv1alpha1.TrialParametersAnnotation]), &params); err != nil || params["lr"] == "" {
		t.Fatalf("parameters annotation %q: %v", run.Annotations[mlv1alpha1.TrialParametersAnnotation], err)
	}
	want := []mlv1alpha1.Param{{Name: "lr", Value: params["lr"]}, {Name: "layers", Value: params["layers"]}, {Name: "epochs", Value: "5"}}
	if diff := cmp.Diff(want, run.Spec.Params); diff != "" {
		t.Errorf("params (-want +got):\n%s", diff)
	}
	if run.Spec.PipelineRef == nil || run.Spec.PipelineRef.Name != "train" {
		t.Errorf("pipelineRef = %+v, want train", run.Spec.PipelineRef)
	}

	// Another task's series of the same name is not the objective.
	f.endRun("tun-0", mlv1alpha1.PipelineRunSucceeded, map[string][]float64{"fit": {0.9, 0.4}, "eval": {0.1}}, nil)
	f.sync()
	if diff := cmp.Diff([]string{"create pipelineruns tun-2", "update tuningjobs/status tun"}, f.writes()); diff != "" {
		t.Errorf("writes after a trial ended (-want +got):\n%s", diff)
	}
	if b := f.tun().Status.BestTrial; b == nil || b.Name != "tun-0" || *b.ObjectiveValue != 0.4 || b.Step != 2 {
		t.Errorf("bestTrial = %+v, want tun-0 at 0.4, step 2", b)
	}
}

// Where the objective of a PipelineRun trial comes from without an
// objective task: the one task reporting the metric, else the one output
// named as it; several are refused with a message that says what to set.
func TestSyncPipelineTrialObjective(t *testing.T) {
	cases := []struct {
		name      string
		task      string
		series    map[string][]float64
		outputs   map[string]string
		wantValue *float64
		wantMsg   string
	}{
		{name: "one task reports it", series: map[string][]float64{"fit": {0.5, 0.3}}, wantValue: ptrTo(0.3)},
		{name: "two tasks report it", series: map[string][]float64{"fit": {0.5}, "eval": {0.6}},
			wantMsg: `tasks eval, fit all report "loss": set spec.trialTemplate.objectiveTask`},
		{name: "two tasks, one named", task: "eval", series: map[string][]float64{"fit": {0.5}, "eval": {0.6}}, wantValue: ptrTo(0.6)},
		{name: "an output", outputs: map[string]string{"fit": "0.25"}, wantValue: ptrTo(0.25)},
		{name: "the named task's output", task: "eval", outputs: map[string]string{"fit": "0.25", "eval": "0.75"}, wantValue: ptrTo(0.75)},
		{name: "two outputs", outputs: map[string]string{"fit": "0.25", "eval": "0.75"}, wantMsg: `all have an output "loss": set spec.trialTemplate.objectiveTask`},
		{name: "an output not a number", outputs: map[string]string{"fit": "low"}, wantMsg: `the output "loss" of task fit is "low", not a number`},
		{name: "nothing", wantMsg: `succeeded without reporting the objective metric "loss"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, pipelineTuningJob(2, 1, tc.task, nil))
			f.sync()
			f.endRun("tun-0", mlv1alpha1.PipelineRunSucceeded, tc.series, tc.outputs)
			f.sync()
			got := trialSummary(f.tun().Status, "tun-0")
			if tc.wantValue != nil {
				if got.Phase != mlv1alpha1.TrialSucceeded || got.ObjectiveValue == nil || *got.ObjectiveValue != *tc.wantValue {
					t.Errorf("trial = %+v, want Succeeded with %g", got, *tc.wantValue)
				}
				return
			}
			if got.Phase != mlv1alpha1.TrialFailed || !strings.Contains(got.Message, tc.wantMsg) {
				t.Errorf("trial = %+v, want Failed saying %q", got, tc.wantMsg)
			}
		})
	}
}

func ptrTo(v float64) *float64 { return &v }

// A PipelineRun trial is stopped early by canceling it, with the reason;
// a run canceled by someone else is a failed trial.
func TestSyncPipelineTrialMedianStop(t *testing.T) {
	f := newFixture(t, pipelineTuningJob(10, 4, "fit", func(w *mltesting.TuningJobWrapper) { w.MedianStop(3, 2) }))
	f.sync()
	for i, values := range [][]float64{{1.0, 0.8, 0.6}, {1.0, 0.7, 0.5}, {1.0, 0.9, 0.7}} {
		f.endRun(trialName(f.tun(), i), mlv1alpha1.PipelineRunSucceeded, map[string][]float64{"fit": values}, nil)
	}
	f.metrics["tun-3"] = []TaskSeries{{Task: "fit", Points: points(2.0, 1.9, 1.8)}}
	f.sync()
	if got := f.writes(); !slices.Contains(got, "patch pipelineruns tun-3") {
		t.Fatalf("writes = %v, want tun-3 stopped", got)
	}
	run := f.run("tun-3")
	if !run.Spec.Cancel || !strings.HasPrefix(run.Annotations[mlv1alpha1.EarlyStoppedAnnotation], "median stopping rule") {
		t.Errorf("stopped trial: cancel=%v annotation %q", run.Spec.Cancel, run.Annotations[mlv1alpha1.EarlyStoppedAnnotation])
	}
	if s := f.tun().Status; s.EarlyStopped != 1 || s.Succeeded != 3 || s.Running != 4 {
		t.Errorf("status counts = succeeded %d earlyStopped %d running %d, want 3, 1 and 4 (tun-4 to tun-7)", s.Succeeded, s.EarlyStopped, s.Running)
	}
	// Canceled, it reports no more and stays early-stopped.
	f.endRun("tun-3", mlv1alpha1.PipelineRunCanceled, map[string][]float64{"fit": {2.0, 1.9, 1.8}}, nil)
	// Someone cancels tun-4: a failed trial.
	f.endRun("tun-4", mlv1alpha1.PipelineRunCanceled, map[string][]float64{"fit": {0.5}}, nil)
	f.sync()
	s := f.tun().Status
	if got := trialSummary(s, "tun-3"); got.Phase != mlv1alpha1.TrialEarlyStopped {
		t.Errorf("tun-3 = %+v, want EarlyStopped", got)
	}
	if got := trialSummary(s, "tun-4"); got.Phase != mlv1alpha1.TrialFailed || got.Message != "the PipelineRun was canceled" {
		t.Errorf("tun-4 = %+v, want Failed: the PipelineRun was canceled", got)
	}
}

func TestSyncDeletesPipelineTrialsOfDeletedTuningJob(t *testing.T) {
	f := newFixture(t, pipelineTuningJob(3, 2, "", nil))
	f.sync()
	if err := f.ML.MlV1alpha1().TuningJobs("ns").Delete(f.Ctx, "tun", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.sync()
	if diff := cmp.Diff([]string{"delete pipelineruns tun-0", "delete pipelineruns tun-1"}, f.writes()); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}
}

// A Hyperband trial that reports the step of its budget is stopped there:
// it succeeded, with its objective at that step, and is neither failed
// nor early-stopped.
func TestSyncBudgetReached(t *testing.T) {
	for _, pipeline := range []bool{false, true} {
		t.Run(kindOf(pipeline), func(t *testing.T) {
			// Brackets of minBudget 3, maxBudget 9: three trials of 3 steps first.
			hyperband := func(w *mltesting.TuningJobWrapper) {
				w.Algorithm(ml.AlgorithmHyperband, map[string]string{"seed": "7", "minBudget": "3", "maxBudget": "9", "eta": "3"})
			}
			tun := tuningJob(10, 2, hyperband)
			if pipeline {
				tun = pipelineTuningJob(10, 2, "fit", hyperband)
			}
			f := newFixture(t, tun)
			f.sync()
			obj := func(name string) trialObject {
				if pipeline {
					return trialObject{run: f.run(name)}
				}
				return trialObject{tj: f.trial(name)}
			}
			if b := obj("tun-0").annotation(mlv1alpha1.TrialBudgetAnnotation); b != "3" {
				t.Fatalf("budget of tun-0 = %q, want 3", b)
			}
			report := func(name string, values ...float64) {
				f.metrics[name] = []TaskSeries{{Points: points(values...)}}
				if pipeline {
					f.metrics[name][0].Task = "fit"
				}
			}
			// tun-0 went past its budget before the controller saw it; tun-1 has not reached it.
			report("tun-0", 0.9, 0.6, 0.5, 0.1)
			report("tun-1", 0.9, 0.8)
			f.sync()
			want := "patch " + resourceOf(pipeline) + " tun-0"
			if got := f.writes(); !slices.Contains(got, want) || slices.Contains(got, "patch "+resourceOf(pipeline)+" tun-1") {
				t.Fatalf("writes = %v, want only tun-0 stopped", got)
			}
			o := obj("tun-0")
			if !o.haltRequested() || !strings.HasPrefix(o.annotation(mlv1alpha1.BudgetReachedAnnotation), "reached its budget of 3 steps") {
				t.Errorf("tun-0: halted %v, annotations %v", o.haltRequested(), o.meta().GetAnnotations())
			}
			if o.annotation(mlv1alpha1.EarlyStoppedAnnotation) != "" {
				t.Errorf("tun-0 is annotated early-stopped: %v", o.meta().GetAnnotations())
			}
			s := f.tun().Status
			if s.Succeeded != 1 || s.EarlyStopped != 0 || s.Failed != 0 {
				t.Errorf("status counts = succeeded %d earlyStopped %d failed %d, want 1, 0, 0", s.Succeeded, s.EarlyStopped, s.Failed)
			}
			if got := trialSummary(s, "tun-0"); got.Phase != mlv1alpha1.TrialSucceeded || got.ObjectiveValue == nil || *got.ObjectiveValue != 0.5 || got.Step != 3 {
				t.Errorf("tun-0 = %+v, want Succeeded with 0.5 at step 3 (its budget)", got)
			}
			// Once halted it stays succeeded; a later sync stops nothing more.
			if pipeline {
				f.endRun("tun-0", mlv1alpha1.PipelineRunCanceled, map[string][]float64{"fit": {0.9, 0.6, 0.5, 0.1}}, nil)
			} else {
				tj := f.trial("tun-0")
				tj.Status.Phase = mlv1alpha1.TrainingJobSuspended
				if _, err := f.ML.MlV1alpha1().TrainingJobs("ns").UpdateStatus(f.Ctx, tj, metav1.UpdateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			f.sync()
			if got := f.writes(); slices.ContainsFunc(got, func(w string) bool { return strings.HasPrefix(w, "patch") }) {
				t.Errorf("writes = %v, want nothing stopped", got)
			}
			if got := trialSummary(f.tun().Status, "tun-0"); got.Phase != mlv1alpha1.TrialSucceeded {
				t.Errorf("tun-0 once halted = %+v, want Succeeded", got)
			}
		})
	}
}

// A trial the API server refuses as invalid would be refused at every
// sync: the search fails with the server's reason.
func TestSyncTrialInvalidFailsTheSearch(t *testing.T) {
	f := newFixture(t, pipelineTuningJob(4, 2, "fit", nil))
	f.ML.PrependReactor("create", "pipelineruns", func(clienttesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewInvalid(ml.Kind("PipelineRun"), "tun-0", field.ErrorList{
			field.Invalid(field.NewPath("spec", "params").Index(0).Child("value"), "0.5", `parameter "epochs" is of type int: must be an integer`)})
	})
	f.sync()
	s := f.tun().Status
	c := findCondition(s.Conditions, ConditionFailed)
	if s.Phase != mlv1alpha1.TuningJobFailed || c == nil || c.Reason != ReasonTrialInvalid || !strings.Contains(c.Message, "spec.params[0].value") {
		t.Fatalf("phase %s, Failed condition %+v; want Failed %s naming the field", s.Phase, c, ReasonTrialInvalid)
	}
	// It creates nothing more.
	f.sync()
	if got := f.writes(); slices.ContainsFunc(got, func(w string) bool { return strings.HasPrefix(w, "create") }) {
		t.Errorf("a failed search wrote %v", got)
	}
}

// A restarted controller carries on from the trial PipelineRuns: it
// creates only the next one, under the next index, with the parameters
// the controller before it would have proposed.
func TestSyncPipelineTrialsRestart(t *testing.T) {
	f := newFixture(t, pipelineTuningJob(4, 2, "fit", nil))
	f.sync()
	f.endRun("tun-0", mlv1alpha1.PipelineRunSucceeded, map[string][]float64{"fit": {0.5}}, nil)
	f.sync()
	want := f.run("tun-2").Spec.Params
	if err := f.ML.MlV1alpha1().PipelineRuns("ns").Delete(f.Ctx, "tun-2", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.c = f.newController()
	f.sync()
	// Its status says what the last one wrote: it is not written again.
	if diff := cmp.Diff([]string{"create pipelineruns tun-2"}, f.writes()); diff != "" {
		t.Fatalf("writes of the restarted controller (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, f.run("tun-2").Spec.Params); diff != "" {
		t.Errorf("params of the trial the restarted controller proposed (-first +restarted):\n%s", diff)
	}
}

// A sync whose informer has not yet seen the stop the controller asked
// for (a trial stopped at its budget, then the search ended at the next
// sync) leaves the trial's first reason alone: no early-stopped
// annotation on top of the budget-reached one, and no second patch.
func TestSyncStaleTrialKeepsItsFirstStop(t *testing.T) {
	tun := tuningJob(1, 1, func(w *mltesting.TuningJobWrapper) {
		w.Algorithm(ml.AlgorithmHyperband, map[string]string{"seed": "7", "minBudget": "3", "maxBudget": "9", "eta": "3"})
	})
	f := newFixture(t, tun)
	f.sync()
	stale := f.trial("tun-0").DeepCopy()
	f.report("tun-0", 0.9, 0.6, 0.5, 0.1)
	f.sync()
	if got := f.trial("tun-0"); got.Annotations[mlv1alpha1.BudgetReachedAnnotation] == "" || !got.Spec.Suspend {
		t.Fatalf("tun-0 was not stopped at its budget: %v", got.Annotations)
	}
	if phase := f.tun().Status.Phase; phase != mlv1alpha1.TuningJobSucceeded {
		t.Fatalf("phase %s, want the search ended", phase)
	}
	// The next sync's informer still has the trial as it was before.
	f.Observe()
	if err := f.MLInformers.Ml().V1alpha1().TrainingJobs().Informer().GetIndexer().Update(stale); err != nil {
		t.Fatal(err)
	}
	f.ClearActions()
	if err := f.c.sync(f.Ctx, cache.ObjectName{Namespace: "ns", Name: "tun"}); err != nil {
		t.Fatal(err)
	}
	if got := f.trial("tun-0"); got.Annotations[mlv1alpha1.EarlyStoppedAnnotation] != "" {
		t.Errorf("tun-0 annotated early-stopped after its budget was reached: %v", got.Annotations)
	}
	if got := f.writes(); slices.Contains(got, "patch trainingjobs tun-0") {
		t.Errorf("writes = %v, want tun-0 left alone", got)
	}
}
