package tuningjob

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"
	testingclock "k8s.io/utils/clock/testing"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/controllertest"
	"ml.example.io/ml-apiserver/pkg/tuning/algorithm"
)

// fakeMetrics is the metric store of the trials, by trial name: the
// objective series of each (one per task of a PipelineRun).
type fakeMetrics map[string][]TaskSeries

func (m fakeMetrics) Series(_ context.Context, o MetricOwner, _ string) ([]TaskSeries, error) {
	return m[o.Name], nil
}

// fixture is the controller over the fakes of controllertest.Fixture,
// with a fake clock and a fake metric store.
type fixture struct {
	*controllertest.Fixture
	c       *Controller
	metrics fakeMetrics
}

func newFixture(t *testing.T, objs ...runtime.Object) *fixture {
	t.Helper()
	f := &fixture{Fixture: controllertest.NewFixture(t, objs...), metrics: fakeMetrics{}}
	f.c = f.newController()
	return f
}

// newController is a controller over the fixture's fakes, as one that
// (re)started.
func (f *fixture) newController() *Controller {
	f.T.Helper()
	v1 := f.MLInformers.Ml().V1alpha1()
	c, err := New(Config{
		Client: f.ML, TuningJobs: v1.TuningJobs(), TrainingJobs: v1.TrainingJobs(), PipelineRuns: v1.PipelineRuns(), Metrics: f.metrics,
		Recorder: f.Recorder, Clock: testingclock.NewFakeClock(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)), FieldManager: mlv1alpha1.ControllerName,
	})
	if err != nil {
		f.T.Fatal(err)
	}
	f.T.Cleanup(c.queue.ShutDown)
	return c
}

func (f *fixture) sync() {
	f.T.Helper()
	controllertest.Observe(f.T, f.MLInformers.Ml().V1alpha1().TuningJobs().Informer(), f.ML.MlV1alpha1().TuningJobs("").List)
	f.MustSync(f.c.sync, "ns", "tun")
}

func (f *fixture) writes() []string {
	return controllertest.Writes(f.ML.Actions())
}

func (f *fixture) tun() *mlv1alpha1.TuningJob {
	f.T.Helper()
	tun, err := f.ML.MlV1alpha1().TuningJobs("ns").Get(f.Ctx, "tun", metav1.GetOptions{})
	if err != nil {
		f.T.Fatal(err)
	}
	return tun
}

func (f *fixture) trial(name string) *mlv1alpha1.TrainingJob {
	f.T.Helper()
	tj, err := f.ML.MlV1alpha1().TrainingJobs("ns").Get(f.Ctx, name, metav1.GetOptions{})
	if err != nil {
		f.T.Fatal(err)
	}
	return tj
}

// finish ends trial name in phase, with the objective series given as
// values at steps 1, 2, ...
func (f *fixture) finish(name string, phase mlv1alpha1.TrainingJobPhase, values ...float64) {
	f.T.Helper()
	f.report(name, values...)
	tj := f.trial(name)
	tj.Status.Phase = phase
	if _, err := f.ML.MlV1alpha1().TrainingJobs("ns").UpdateStatus(f.Ctx, tj, metav1.UpdateOptions{}); err != nil {
		f.T.Fatal(err)
	}
}

// report sets the objective series of trial name: values at steps 1, 2, ...
func (f *fixture) report(name string, values ...float64) {
	f.metrics[name] = []TaskSeries{{Points: points(values...)}}
}

// points are values at steps 1, 2, ...
func points(values ...float64) []algorithm.Point {
	var out []algorithm.Point
	for i, v := range values {
		out = append(out, algorithm.Point{Step: int64(i + 1), Value: v})
	}
	return out
}

func (f *fixture) trialNames() []string {
	f.T.Helper()
	list, err := f.ML.MlV1alpha1().TrainingJobs("ns").List(f.Ctx, metav1.ListOptions{})
	if err != nil {
		f.T.Fatal(err)
	}
	var names []string
	for _, tj := range list.Items {
		names = append(names, tj.Name)
	}
	slices.Sort(names)
	return names
}

// tuningJob is TuningJob ns/tun (UID uid-tun) searching with maxTrials
// and parallelTrials, changed by mutate.
func tuningJob(maxTrials, parallel int32, mutate func(*mltesting.TuningJobWrapper)) *mlv1alpha1.TuningJob {
	w := mltesting.MakeTuningJob("tun", "ns").UID("uid-tun").Trials(maxTrials, parallel, 3).Algorithm(ml.AlgorithmRandom, map[string]string{"seed": "7"})
	if mutate != nil {
		mutate(w)
	}
	return w.V1alpha1()
}

func TestSyncCreatesParallelTrials(t *testing.T) {
	f := newFixture(t, tuningJob(5, 2, nil))
	f.sync()
	if diff := cmp.Diff([]string{"create trainingjobs tun-0", "create trainingjobs tun-1", "update tuningjobs/status tun"}, f.writes()); diff != "" {
		t.Fatalf("writes (-want +got):\n%s", diff)
	}
	tj := f.trial("tun-0")
	if ref := metav1.GetControllerOf(tj); ref == nil || ref.Kind != "TuningJob" || ref.Name != "tun" || ref.UID != "uid-tun" {
		t.Errorf("controller of the trial = %+v, want TuningJob tun", ref)
	}
	if tj.Labels[mlv1alpha1.TuningJobNameLabel] != "tun" || tj.Annotations[mlv1alpha1.TrialIndexAnnotation] != "0" {
		t.Errorf("metadata of the trial = %v %v", tj.Labels, tj.Annotations)
	}
	var params map[string]string
	if err := json.Unmarshal([]byte(tj.Annotations[mlv1alpha1.TrialParametersAnnotation]), &params); err != nil || params["lr"] == "" || params["layers"] == "" {
		t.Fatalf("parameters annotation %q: %v", tj.Annotations[mlv1alpha1.TrialParametersAnnotation], err)
	}
	want := []string{"--lr=" + params["lr"], "--layers=" + params["layers"]}
	if diff := cmp.Diff(want, tj.Spec.Args); diff != "" {
		t.Errorf("args (-want +got):\n%s", diff)
	}

	// The trials run: nothing more is created until one ends.
	f.sync()
	if got := f.writes(); slices.ContainsFunc(got, func(w string) bool { return strings.HasPrefix(w, "create") }) {
		t.Errorf("sync with parallelTrials running wrote %v", got)
	}
	if s := f.tun().Status; s.Phase != mlv1alpha1.TuningJobRunning || s.Running != 2 || s.TrialsCreated != 2 || len(s.Trials) != 2 {
		t.Errorf("status = %+v", s)
	}

	// One ends: one more starts in its place.
	f.finish("tun-0", mlv1alpha1.TrainingJobSucceeded, 0.9, 0.5)
	f.sync()
	if diff := cmp.Diff([]string{"create trainingjobs tun-2", "update tuningjobs/status tun"}, f.writes()); diff != "" {
		t.Errorf("writes after a trial ended (-want +got):\n%s", diff)
	}
	if b := f.tun().Status.BestTrial; b == nil || b.Name != "tun-0" || *b.ObjectiveValue != 0.5 || b.Step != 2 {
		t.Errorf("bestTrial = %+v, want tun-0 at 0.5", b)
	}
}

// TestSyncRestartRecovery: a new controller over existing trials creates
// only the next ones, under the next index, and proposes the same as the
// controller before it would have; a trial the cache has not seen yet is
// not created twice.
func TestSyncRestartRecovery(t *testing.T) {
	f := newFixture(t, tuningJob(6, 2, nil))
	f.sync()
	f.finish("tun-0", mlv1alpha1.TrainingJobSucceeded, 0.4)
	f.finish("tun-1", mlv1alpha1.TrainingJobFailed)
	f.sync()
	// tun-2 and tun-3 exist now; a restarted controller sees them all.
	first := f.trial("tun-3").Annotations[mlv1alpha1.TrialParametersAnnotation]
	if err := f.ML.MlV1alpha1().TrainingJobs("ns").Delete(f.Ctx, "tun-3", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.c = f.newController()
	f.sync()
	if diff := cmp.Diff([]string{"create trainingjobs tun-3"}, f.writes()); diff != "" {
		t.Fatalf("writes of the restarted controller (-want +got):\n%s", diff)
	}
	if got := f.trial("tun-3").Annotations[mlv1alpha1.TrialParametersAnnotation]; got != first {
		t.Errorf("the restarted controller proposed %s for tun-3, the first %s", got, first)
	}
	if diff := cmp.Diff([]string{"tun-0", "tun-1", "tun-2", "tun-3"}, f.trialNames()); diff != "" {
		t.Errorf("trials (-want +got):\n%s", diff)
	}

	// The cache lags: tun-4 exists in the API but not in the lister.
	f.finish("tun-2", mlv1alpha1.TrainingJobSucceeded, 0.3)
	f.Observe()
	tj := f.trial("tun-3").DeepCopy()
	tj.Name, tj.ResourceVersion = "tun-4", ""
	tj.Annotations[mlv1alpha1.TrialIndexAnnotation] = "4"
	if _, err := f.ML.MlV1alpha1().TrainingJobs("ns").Create(f.Ctx, tj, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.ClearActions()
	controllertest.Observe(f.T, f.MLInformers.Ml().V1alpha1().TuningJobs().Informer(), f.ML.MlV1alpha1().TuningJobs("").List)
	if err := f.c.sync(f.Ctx, keyOf("tun")); err != nil {
		t.Fatalf("sync with a lagging cache: %v", err)
	}
	if diff := cmp.Diff([]string{"tun-0", "tun-1", "tun-2", "tun-3", "tun-4"}, f.trialNames()); diff != "" {
		t.Errorf("trials after a sync with a lagging cache (-want +got):\n%s", diff)
	}
}

func TestSyncMedianStop(t *testing.T) {
	f := newFixture(t, tuningJob(10, 4, func(w *mltesting.TuningJobWrapper) { w.MedianStop(3, 2) }))
	f.sync()
	f.sync()
	f.finish("tun-0", mlv1alpha1.TrainingJobSucceeded, 1.0, 0.8, 0.6)
	f.finish("tun-1", mlv1alpha1.TrainingJobSucceeded, 1.0, 0.7, 0.5)
	f.finish("tun-2", mlv1alpha1.TrainingJobSucceeded, 1.0, 0.9, 0.7)
	// tun-3 is worse than the median at step 3; tun-4 (new) reported nothing.
	f.report("tun-3", 2.0, 1.9, 1.8)
	f.sync()
	if got := f.writes(); !slices.Contains(got, "patch trainingjobs tun-3") {
		t.Fatalf("writes = %v, want tun-3 stopped", got)
	}
	tj := f.trial("tun-3")
	if !tj.Spec.Suspend || !strings.HasPrefix(tj.Annotations[mlv1alpha1.EarlyStoppedAnnotation], "median stopping rule") {
		t.Errorf("stopped trial: suspend=%v annotation %q", tj.Spec.Suspend, tj.Annotations[mlv1alpha1.EarlyStoppedAnnotation])
	}
	if s := f.tun().Status; s.EarlyStopped != 1 || s.Succeeded != 3 {
		t.Errorf("status counts = succeeded %d earlyStopped %d, want 3 and 1", s.Succeeded, s.EarlyStopped)
	}
	// A good trial is not stopped.
	f.report("tun-4", 0.5, 0.4, 0.3)
	f.sync()
	if got := f.writes(); slices.Contains(got, "patch trainingjobs tun-4") {
		t.Errorf("a trial better than the median was stopped: %v", got)
	}
}

func TestSyncTargetReached(t *testing.T) {
	f := newFixture(t, tuningJob(10, 2, func(w *mltesting.TuningJobWrapper) { w.Target(0.1) }))
	f.sync()
	f.sync()
	f.finish("tun-0", mlv1alpha1.TrainingJobSucceeded, 0.5, 0.05)
	f.sync()
	got := f.writes()
	if slices.ContainsFunc(got, func(w string) bool { return strings.HasPrefix(w, "create") }) || !slices.Contains(got, "patch trainingjobs tun-1") {
		t.Errorf("writes = %v, want tun-1 stopped and nothing created", got)
	}
	s := f.tun().Status
	if c := findCondition(s.Conditions, ConditionSucceeded); s.Phase != mlv1alpha1.TuningJobSucceeded || c == nil || c.Reason != ReasonTargetReached {
		t.Errorf("phase %s, Succeeded condition %+v, want Succeeded TargetReached", s.Phase, c)
	}
	if s.BestTrial == nil || s.BestTrial.Name != "tun-0" || s.CompletionTime == nil {
		t.Errorf("status = %+v", s)
	}
	// An ended search creates nothing more.
	f.sync()
	if got := f.writes(); slices.ContainsFunc(got, func(w string) bool { return strings.HasPrefix(w, "create") }) {
		t.Errorf("an ended search wrote %v", got)
	}
}

func TestSyncMaxFailedTrials(t *testing.T) {
	f := newFixture(t, tuningJob(10, 3, nil))
	f.sync()
	f.finish("tun-0", mlv1alpha1.TrainingJobFailed)
	f.finish("tun-1", mlv1alpha1.TrainingJobFailed)
	// Succeeded without the objective metric: a failed trial.
	f.finish("tun-2", mlv1alpha1.TrainingJobSucceeded)
	f.sync()
	s := f.tun().Status
	if c := findCondition(s.Conditions, ConditionFailed); s.Phase != mlv1alpha1.TuningJobFailed || c == nil || c.Reason != ReasonMaxFailedTrialsReached {
		t.Fatalf("phase %s, Failed condition %+v, want Failed MaxFailedTrialsReached", s.Phase, c)
	}
	if c := findCondition(s.Conditions, ConditionFailed); !strings.Contains(c.Message, `without reporting the objective metric "loss"`) {
		t.Errorf("the message does not say the metric was never reported: %s", c.Message)
	}
}

func TestSyncMaxTrialsReached(t *testing.T) {
	f := newFixture(t, tuningJob(3, 3, nil))
	f.sync()
	f.finish("tun-0", mlv1alpha1.TrainingJobSucceeded, 0.9, 0.3)
	f.finish("tun-1", mlv1alpha1.TrainingJobSucceeded, 0.2, 0.25)
	f.finish("tun-2", mlv1alpha1.TrainingJobSucceeded, 0.8, 0.7)
	f.sync()
	if got := f.writes(); slices.ContainsFunc(got, func(w string) bool { return strings.HasPrefix(w, "create") }) {
		t.Errorf("writes = %v, want nothing created past maxTrials", got)
	}
	s := f.tun().Status
	if c := findCondition(s.Conditions, ConditionSucceeded); s.Phase != mlv1alpha1.TuningJobSucceeded || c == nil || c.Reason != ReasonMaxTrialsReached {
		t.Errorf("phase %s, Succeeded condition %+v, want Succeeded MaxTrialsReached", s.Phase, c)
	}
	// The objective is the last value by default: tun-1 ended at 0.25.
	if s.BestTrial == nil || s.BestTrial.Name != "tun-1" || *s.BestTrial.ObjectiveValue != 0.25 {
		t.Errorf("bestTrial = %+v, want tun-1 at 0.25", s.BestTrial)
	}
}

func TestSyncDeletesTrialsOfDeletedTuningJob(t *testing.T) {
	f := newFixture(t, tuningJob(3, 2, nil))
	f.sync()
	if err := f.ML.MlV1alpha1().TuningJobs("ns").Delete(f.Ctx, "tun", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.sync()
	if diff := cmp.Diff([]string{"delete trainingjobs tun-0", "delete trainingjobs tun-1"}, f.writes()); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}
}

func findCondition(conds []metav1.Condition, typ string) *metav1.Condition {
	for i := range conds {
		if conds[i].Type == typ {
			return &conds[i]
		}
	}
	return nil
}

func keyOf(name string) cache.ObjectName {
	return cache.ObjectName{Namespace: "ns", Name: name}
}

// A deleted trial keeps its index: grid goes on with the slot after the
// last trial instead of proposing the slot of a trial that still exists.
func TestSyncDeletedTrialKeepsItsSlot(t *testing.T) {
	f := newFixture(t, tuningJob(4, 1, func(w *mltesting.TuningJobWrapper) {
		w.Algorithm(ml.AlgorithmGrid, nil).Parameters(ml.TuningParameter{Name: "opt", Type: ml.ParameterCategorical, Values: []string{"a", "b", "c", "d"}})
	}))
	f.sync()
	f.finish("tun-0", mlv1alpha1.TrainingJobSucceeded, 0.4)
	f.sync()
	f.finish("tun-1", mlv1alpha1.TrainingJobSucceeded, 0.3)
	if err := f.ML.MlV1alpha1().TrainingJobs("ns").Delete(f.Ctx, "tun-0", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.Observe()
	f.sync()
	if diff := cmp.Diff([]string{"tun-1", "tun-2"}, f.trialNames()); diff != "" {
		t.Fatalf("trials (-want +got):\n%s", diff)
	}
	got := map[string]string{}
	for _, name := range []string{"tun-1", "tun-2"} {
		got[name] = f.trial(name).Annotations[mlv1alpha1.TrialParametersAnnotation]
	}
	want := map[string]string{"tun-1": `{"opt":"b"}`, "tun-2": `{"opt":"c"}`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("grid slots of the trials (-want +got):\n%s", diff)
	}
}
