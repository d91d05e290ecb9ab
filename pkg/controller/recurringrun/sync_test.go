package recurringrun

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	testingclock "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/controllertest"
)

// fixture is the controller over the fakes of controllertest.Fixture,
// with a fake clock.
type fixture struct {
	*controllertest.Fixture
	c     *Controller
	clock *testingclock.FakeClock
}

func newFixture(t *testing.T, now time.Time, objs ...runtime.Object) *fixture {
	t.Helper()
	f := &fixture{Fixture: controllertest.NewFixture(t, objs...), clock: testingclock.NewFakeClock(now)}
	v1 := f.MLInformers.Ml().V1alpha1()
	c, err := New(Config{
		Client: f.ML, RecurringRuns: v1.RecurringRuns(), PipelineRuns: v1.PipelineRuns(), TrainingJobs: v1.TrainingJobs(),
		Recorder: f.Recorder, Clock: f.clock, FieldManager: mlv1alpha1.ControllerName,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.c = c
	t.Cleanup(c.queue.ShutDown)
	return f
}

func (f *fixture) sync() {
	f.T.Helper()
	f.MustSync(f.c.sync, "ns", "a")
}

func (f *fixture) rr() *mlv1alpha1.RecurringRun {
	f.T.Helper()
	rr, err := f.ML.MlV1alpha1().RecurringRuns("ns").Get(f.Ctx, "a", metav1.GetOptions{})
	if err != nil {
		f.T.Fatal(err)
	}
	return rr
}

func (f *fixture) writes() []string {
	return controllertest.Writes(f.ML.Actions())
}

func (f *fixture) setPhase(name string, phase mlv1alpha1.PipelineRunPhase, completed time.Time) {
	f.T.Helper()
	plr, err := f.ML.MlV1alpha1().PipelineRuns("ns").Get(f.Ctx, name, metav1.GetOptions{})
	if err != nil {
		f.T.Fatal(err)
	}
	plr.Status.Phase = phase
	plr.Status.CompletionTime = &metav1.Time{Time: completed}
	if _, err := f.ML.MlV1alpha1().PipelineRuns("ns").UpdateStatus(f.Ctx, plr, metav1.UpdateOptions{}); err != nil {
		f.T.Fatal(err)
	}
}

func TestSyncCreatesRunsNamedByScheduledTime(t *testing.T) {
	due := at("2026-03-02T02:00:00Z")
	f := newFixture(t, due.Add(30*time.Second), rrWith(nil))
	f.sync()
	name := "a-" + "1772416800" // due.Unix()
	if diff := cmp.Diff([]string{"create pipelineruns " + name, "update recurringruns/status a"}, f.writes()); diff != "" {
		t.Fatalf("writes (-want +got):\n%s", diff)
	}
	plr, err := f.ML.MlV1alpha1().PipelineRuns("ns").Get(f.Ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ref := metav1.GetControllerOf(plr); ref == nil || ref.Kind != "RecurringRun" || ref.Name != "a" || ref.UID != "uid-a" {
		t.Errorf("controller of the run = %+v, want RecurringRun a", ref)
	}
	wantParams := []mlv1alpha1.Param{{Name: "date", Value: "2026-03-02T02:00:00Z"}, {Name: "n", Value: "run-0"}}
	if diff := cmp.Diff(wantParams, plr.Spec.Params); diff != "" {
		t.Errorf("params (-want +got):\n%s", diff)
	}
	if plr.Labels[mlv1alpha1.RecurringRunNameLabel] != "a" || plr.Annotations[mlv1alpha1.ScheduledTimeAnnotation] != "2026-03-02T02:00:00Z" {
		t.Errorf("metadata of the run = %v %v", plr.Labels, plr.Annotations)
	}
	rr := f.rr()
	if !rr.Status.LastScheduleTime.Time.Equal(due) || !rr.Status.NextScheduleTime.Time.Equal(due.Add(24*time.Hour)) || rr.Status.RunCount != 1 {
		t.Errorf("status = %+v", rr.Status)
	}
	if len(rr.Status.Active) != 1 || rr.Status.Active[0].Name != name {
		t.Errorf("status.active = %v, want [%s]", rr.Status.Active, name)
	}
	if got := controllertest.EventReasons(f.Recorder); !slices.Contains(got, ReasonCreated) {
		t.Errorf("events = %v, want %s", got, ReasonCreated)
	}

	// A second sync at the same time starts nothing.
	f.sync()
	if got := f.writes(); len(got) != 0 {
		t.Errorf("second sync wrote %v", got)
	}
}

// TestSyncRestartNeverCreatesTwice is a controller that created the run
// and stopped before writing status.lastScheduleTime: the next one tries
// the same name, finds it, and starts nothing else.
func TestSyncRestartNeverCreatesTwice(t *testing.T) {
	due := at("2026-03-02T02:00:00Z")
	f := newFixture(t, due.Add(time.Minute), rrWith(nil))
	f.sync()
	// Forget the status, as if it had never been written.
	rr := f.rr()
	rr.Status = mlv1alpha1.RecurringRunStatus{}
	if _, err := f.ML.MlV1alpha1().RecurringRuns("ns").UpdateStatus(f.Ctx, rr, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.sync()
	plrs, err := f.ML.MlV1alpha1().PipelineRuns("ns").List(f.Ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(plrs.Items) != 1 {
		t.Errorf("runs = %d, want 1", len(plrs.Items))
	}
	if got := f.rr().Status.LastScheduleTime; got == nil || !got.Time.Equal(due) {
		t.Errorf("lastScheduleTime = %v, want %v", got, due)
	}
}

func TestSyncTrainingJobEnv(t *testing.T) {
	rr := rrWith(func(rr *mlv1alpha1.RecurringRun) {
		rr.Spec.Schedule = every(time.Hour)
		rr.Status.RunCount = 7
		rr.Spec.RunTemplate = mlv1alpha1.RunTemplate{TrainingJob: &mlv1alpha1.TrainingJobSpec{
			ContainerSpec: mlv1alpha1.ContainerSpec{Image: "trainer:1", Env: []corev1.EnvVar{
				{Name: "SCHEDULED", Value: "$(schedule.scheduledTime)"}, {Name: "INDEX", Value: "$(schedule.index)"}, {Name: "KEEP", Value: "$(HOME)"},
			}},
		}}
	})
	f := newFixture(t, created.Add(time.Hour), rr)
	f.sync()
	name := "a-1772362800" // created + 1h
	tj, err := f.ML.MlV1alpha1().TrainingJobs("ns").Get(f.Ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("training job %s: %v (writes %v)", name, err, f.writes())
	}
	want := []corev1.EnvVar{{Name: "SCHEDULED", Value: "2026-03-01T11:00:00Z"}, {Name: "INDEX", Value: "7"}, {Name: "KEEP", Value: "$(HOME)"}}
	if diff := cmp.Diff(want, tj.Spec.Env); diff != "" {
		t.Errorf("env (-want +got):\n%s", diff)
	}
}

// TestSyncHistoryAndReplace runs an hourly schedule over a few hours with
// the fake clock: finished runs beyond the limits are deleted, Replace
// deletes the active run, and lastSuccessfulTime follows the runs.
func TestSyncHistoryAndReplace(t *testing.T) {
	rr := rrWith(func(rr *mlv1alpha1.RecurringRun) {
		rr.Spec.Schedule = every(time.Hour)
		rr.Spec.SuccessfulRunsHistoryLimit = ptr.To[int32](1)
		rr.Spec.ConcurrencyPolicy = mlv1alpha1.ConcurrencyReplace
	})
	f := newFixture(t, created.Add(time.Hour), rr)
	f.sync() // a-<11:00>
	first := "a-1772362800"
	f.setPhase(first, mlv1alpha1.PipelineRunSucceeded, created.Add(90*time.Minute))

	f.clock.SetTime(created.Add(2 * time.Hour))
	f.sync() // a-<12:00>; first kept (limit 1)
	second := "a-1772366400"
	if diff := cmp.Diff([]string{"create pipelineruns " + second, "update recurringruns/status a"}, f.writes()); diff != "" {
		t.Errorf("writes at 12:00 (-want +got):\n%s", diff)
	}
	if got := f.rr().Status.LastSuccessfulTime; got == nil || !got.Time.Equal(created.Add(90*time.Minute)) {
		t.Errorf("lastSuccessfulTime = %v", got)
	}
	f.setPhase(second, mlv1alpha1.PipelineRunSucceeded, created.Add(150*time.Minute))

	f.clock.SetTime(created.Add(3 * time.Hour))
	f.sync() // a-<13:00>; first pruned
	third := "a-1772370000"
	if diff := cmp.Diff([]string{"create pipelineruns " + third, "delete pipelineruns " + first, "update recurringruns/status a"}, f.writes()); diff != "" {
		t.Errorf("writes at 13:00 (-want +got):\n%s", diff)
	}

	// third is still running at 14:00: Replace deletes it.
	f.clock.SetTime(created.Add(4 * time.Hour))
	f.sync()
	fourth := "a-1772373600"
	if diff := cmp.Diff([]string{"delete pipelineruns " + third, "create pipelineruns " + fourth, "update recurringruns/status a"}, f.writes()); diff != "" {
		t.Errorf("writes at 14:00 (-want +got):\n%s", diff)
	}
	if got := f.rr().Status.Active; len(got) != 1 || got[0].Name != fourth {
		t.Errorf("active = %v, want [%s]", got, fourth)
	}
}

// TestSyncRequeuesAtNextDueTime checks that the sync puts the RecurringRun
// back into the queue for its next due time.
func TestSyncRequeuesAtNextDueTime(t *testing.T) {
	rr := rrWith(func(rr *mlv1alpha1.RecurringRun) { rr.Spec.Schedule = every(time.Minute) })
	f := newFixture(t, created.Add(30*time.Second), rr)
	f.sync()
	if n := f.c.queue.Len(); n != 0 {
		t.Fatalf("queue holds %d keys before the due time", n)
	}
	f.clock.Step(30 * time.Second)
	// AddAfter fires on a goroutine of the workqueue: poll for it.
	err := wait.PollUntilContextTimeout(f.Ctx, 10*time.Millisecond, wait.ForeverTestTimeout, true, func(context.Context) (bool, error) {
		return f.c.queue.Len() == 1, nil
	})
	if err != nil {
		t.Fatalf("the RecurringRun was not requeued at its due time: %v", err)
	}
}

// TestSyncDeletesOrphans is standalone mode, which has no garbage
// collector: the runs of a deleted RecurringRun are deleted by the
// controller; a run of another RecurringRun, or one not owned, is not.
func TestSyncDeletesOrphans(t *testing.T) {
	orphan := newPipelineRun(rrWith(nil), created, 0)
	other := newPipelineRun(rrWith(func(rr *mlv1alpha1.RecurringRun) { rr.Name, rr.UID = "b", "uid-b" }), created, 0)
	stray := orphan.DeepCopy()
	stray.Name, stray.OwnerReferences = "stray", nil
	f := newFixture(t, created, orphan, other, stray)
	f.sync()
	if diff := cmp.Diff([]string{"delete pipelineruns " + orphan.Name}, f.writes()); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}
}

// TestSyncRunOfAnEarlierRecurringRun: a run of a deleted RecurringRun of
// the same name, not yet deleted, is not taken for the new one's.
func TestSyncRunOfAnEarlierRecurringRun(t *testing.T) {
	due := at("2026-03-02T02:00:00Z")
	old := newPipelineRun(rrWith(func(rr *mlv1alpha1.RecurringRun) { rr.UID = "uid-earlier" }), due, 0)
	f := newFixture(t, due.Add(time.Minute), rrWith(nil), old)
	if err := f.Sync(f.c.sync, "ns", "a"); err == nil || !strings.Contains(err.Error(), "earlier RecurringRun") {
		t.Errorf("sync returned %v, want an error waiting for the earlier run's deletion", err)
	}
	if got := f.rr().Status.LastScheduleTime; got != nil {
		t.Errorf("lastScheduleTime %v written while the run is another's", got)
	}
}
