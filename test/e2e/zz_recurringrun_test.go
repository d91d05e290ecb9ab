package e2e

// The RecurringRun restart test kills ml-apiserver, and with it the
// controllers inside it; the file name sorts after zz_disruption_test.go
// so that it runs with the other tests that stop cluster processes.

import (
	"context"
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/e2e/framework"
)

// recurringEvery is the interval of the test's RecurringRun: short enough
// for a test, above --min-recurring-interval (10s).
const recurringEvery = 20 * time.Second

// rrEnv is a RecurringRun of the test and what it started.
type rrEnv struct {
	plrEnv
	rr *mlv1alpha1.RecurringRun
	// start is the first due time (spec.startTime).
	start time.Time
}

// due is the k-th due time and the name of its run.
func (e rrEnv) due(k int) (time.Time, string) {
	at := e.start.Add(time.Duration(k) * recurringEvery)
	return at, fmt.Sprintf("%s-%d", e.rr.Name, at.Unix())
}

// index is the k of the latest due time at or before at (-1 before the
// first).
func (e rrEnv) index(at time.Time) int {
	if at.Before(e.start) {
		return -1
	}
	return int(at.Sub(e.start) / recurringEvery)
}

// runs are the PipelineRuns the RecurringRun owns, by name.
func (e rrEnv) runs(ctx context.Context) (map[string]mlv1alpha1.PipelineRun, error) {
	list, err := e.ml.MlV1alpha1().PipelineRuns(e.ns).List(ctx, metav1.ListOptions{LabelSelector: mlv1alpha1.RecurringRunNameLabel + "=" + e.rr.Name})
	if err != nil {
		return nil, err
	}
	runs := map[string]mlv1alpha1.PipelineRun{}
	for _, r := range list.Items {
		if owner := metav1.GetControllerOf(&r); owner != nil && owner.UID == e.rr.UID {
			runs[r.Name] = r
		}
	}
	return runs, nil
}

// created counts, by run name, the Created events of the RecurringRun:
// every run the controllers started, including those pruned since.
func (e rrEnv) created(ctx context.Context, t *testing.T) map[string]int32 {
	t.Helper()
	events, err := e.kube.CoreV1().Events(e.ns).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=" + e.rr.Name})
	if err != nil {
		t.Fatalf("events of %s: %v", e.rr.Name, err)
	}
	created := map[string]int32{}
	for _, ev := range events.Items {
		var kind, name string
		if ev.Reason != "Created" || ev.InvolvedObject.UID != e.rr.UID {
			continue
		}
		if _, err := fmt.Sscanf(ev.Message, "Created %s %s for", &kind, &name); err != nil {
			t.Fatalf("event %q: %v", ev.Message, err)
		}
		created[name] += max(ev.Count, 1)
	}
	return created
}

// waitRuns polls the runs until done says so.
func (e rrEnv) waitRuns(ctx context.Context, t *testing.T, timeout time.Duration, what string, done func(runs map[string]mlv1alpha1.PipelineRun, rr *mlv1alpha1.RecurringRun) bool) map[string]mlv1alpha1.PipelineRun {
	t.Helper()
	var (
		runs map[string]mlv1alpha1.PipelineRun
		last string
	)
	err := wait.PollUntilContextTimeout(ctx, pollInterval, timeout, true, func(ctx context.Context) (bool, error) {
		rr, err := e.ml.MlV1alpha1().RecurringRuns(e.ns).Get(ctx, e.rr.Name, metav1.GetOptions{})
		if err != nil {
			last = err.Error()
			return false, nil
		}
		if runs, err = e.runs(ctx); err != nil {
			last = err.Error()
			return false, nil
		}
		last = fmt.Sprintf("runs %v, status %+v", phases(runs), rr.Status)
		return done(runs, rr), nil
	})
	if err != nil {
		t.Fatalf("RecurringRun %s/%s: %s: not within %v: %s", e.ns, e.rr.Name, what, timeout, last)
	}
	return runs
}

// phases are the runs' names with their phases, sorted.
func phases(runs map[string]mlv1alpha1.PipelineRun) []string {
	var out []string
	for name, r := range runs {
		out = append(out, name+"="+string(r.Status.Phase))
	}
	slices.Sort(out)
	return out
}

// TestRecurringRunRestart: a RecurringRun of a one-task PipelineRun every
// 20 seconds, catchUp false and successfulRunsHistoryLimit 1, starts a
// run at each due time, named after it, and deletes the older succeeded
// run. ml-apiserver, with the controllers inside it, is then killed
// (SIGKILL: no status write, no lease release) and kept down across two
// due times. Once it is back, the controllers start the missed run
// exactly once: one run, for the latest due time (catchUp false), none for
// the earlier missed ones, and no run started before is started again.
func TestRecurringRunRestart(t *testing.T) {
	cluster.Disruptive(t)
	ctx := testContext(t, 4*longTimeout)
	e := rrEnv{plrEnv: newPLREnv(t)}
	e.start = time.Now().Truncate(time.Second).Add(10 * time.Second)
	task := plrTask("main")
	rr := &mlv1alpha1.RecurringRun{
		ObjectMeta: metav1.ObjectMeta{Name: "every20s", Namespace: e.ns},
		Spec: mlv1alpha1.RecurringRunSpec{
			Schedule:                   mlv1alpha1.RecurringSchedule{Interval: &metav1.Duration{Duration: recurringEvery}},
			StartTime:                  &metav1.Time{Time: e.start},
			ConcurrencyPolicy:          mlv1alpha1.ConcurrencyAllow,
			CatchUp:                    false,
			SuccessfulRunsHistoryLimit: ptr.To[int32](1),
			FailedRunsHistoryLimit:     ptr.To[int32](1),
			RunTemplate: mlv1alpha1.RunTemplate{PipelineRun: &mlv1alpha1.PipelineRunSpec{
				PipelineSpec: &mlv1alpha1.PipelineSpec{Tasks: []mlv1alpha1.PipelineTask{task}},
			}},
		},
	}
	created, err := e.ml.MlV1alpha1().RecurringRuns(e.ns).Create(ctx, rr, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create RecurringRun: %v", err)
	}
	e.rr = created

	// Runs start at the due times and the older succeeded run is deleted:
	// wait for a due time k >= 1 whose run succeeded, with run k-1 gone,
	// far enough from the next due time to kill ml-apiserver before it.
	var k int
	e.waitRuns(ctx, t, longTimeout, "a second run succeeded and the first deleted", func(runs map[string]mlv1alpha1.PipelineRun, rr *mlv1alpha1.RecurringRun) bool {
		now := time.Now()
		k = e.index(now)
		at, name := e.due(k)
		next, _ := e.due(k + 1)
		_, prev := e.due(k - 1)
		r, ok := runs[name]
		_, prevKept := runs[prev]
		return k >= 1 && ok && r.Status.Phase == mlv1alpha1.PipelineRunSucceeded && !prevKept && len(runs) == 1 &&
			rr.Status.LastScheduleTime != nil && rr.Status.LastScheduleTime.Time.Equal(at) && time.Until(next) > 5*time.Second
	})
	_, last := e.due(k)
	// The Created events of runs 0..k, once all arrived, count one each.
	var before map[string]int32
	if err := wait.PollUntilContextTimeout(ctx, pollInterval, shortTimeout, true, func(ctx context.Context) (bool, error) {
		before = e.created(ctx, t)
		for i := 0; i <= k; i++ {
			if _, name := e.due(i); before[name] == 0 {
				return false, nil
			}
		}
		return true, nil
	}); err != nil {
		t.Fatalf("Created events for runs 0..%d: %v", k, before)
	}
	for i := 0; i <= k; i++ {
		if _, name := e.due(i); before[name] != 1 {
			t.Errorf("run %s (due time %d) was started %d times before the restart, want once; Created events: %v", name, i, before[name], before)
		}
	}
	t.Logf("run %s of due time %d succeeded, earlier runs deleted; killing ml-apiserver", last, k)

	// Kill ml-apiserver, and start it again whatever happens.
	pid := cluster.PID(t, "ml-apiserver")
	t.Cleanup(func() {
		if !framework.Running(cluster.PID(t, "ml-apiserver"), "ml-apiserver") {
			cluster.LocalUp(t, "start", "ml-apiserver")
			ctx, cancel := context.WithTimeout(context.Background(), longTimeout)
			defer cancel()
			waitAPIServiceAvailable(ctx, t)
		}
	})
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill ml-apiserver (pid %d): %v", pid, err)
	}
	if err := wait.PollUntilContextTimeout(ctx, pollInterval, shortTimeout, true, func(context.Context) (bool, error) {
		return !framework.Running(pid, "ml-apiserver"), nil
	}); err != nil {
		t.Fatalf("ml-apiserver (pid %d) still runs after SIGKILL", pid)
	}
	// Down across two due times, k+1 and k+2.
	missedUntil, _ := e.due(k + 2)
	time.Sleep(time.Until(missedUntil.Add(time.Second)))
	cluster.LocalUp(t, "start", "ml-apiserver")
	waitAPIServiceAvailable(ctx, t)

	// The controllers, leading again once the killed copy's lease expired,
	// start one run: the latest due time at that moment, at or after k+2.
	var m int
	runs := e.waitRuns(ctx, t, longTimeout+longTimeout, "the missed run started and succeeded", func(runs map[string]mlv1alpha1.PipelineRun, rr *mlv1alpha1.RecurringRun) bool {
		m = -1
		for name, r := range runs {
			at, err := time.Parse(time.RFC3339, r.Annotations[mlv1alpha1.ScheduledTimeAnnotation])
			if err != nil || name == last {
				continue
			}
			if i := e.index(at); m < 0 || i < m {
				m = i
			}
		}
		if m < 0 {
			return false
		}
		_, name := e.due(m)
		return runs[name].Status.Phase == mlv1alpha1.PipelineRunSucceeded
	})
	mAt, missed := e.due(m)
	t.Logf("after the restart: run %s of due time %d; runs %v", missed, m, phases(runs))
	if m < k+2 {
		t.Errorf("the first run after the restart is %s (due time %d), want one at or after due time %d, the latest missed", missed, m, k+2)
	}
	if r := runs[missed]; r.Annotations[mlv1alpha1.ScheduledTimeAnnotation] != mAt.UTC().Format(time.RFC3339) {
		t.Errorf("run %s: scheduled-time annotation %q, want %s", missed, r.Annotations[mlv1alpha1.ScheduledTimeAnnotation], mAt.UTC().Format(time.RFC3339))
	}

	// Exactly once: no run for the earlier missed due times, one Created
	// event for the missed run, and the runs before the kill not started
	// again.
	after := e.created(ctx, t)
	for i := k + 1; i < m; i++ {
		if _, name := e.due(i); after[name] != 0 {
			t.Errorf("run %s of missed due time %d was started (%d Created events); with catchUp false only the latest missed runs", name, i, after[name])
		} else if _, ok := runs[name]; ok {
			t.Errorf("run %s of missed due time %d exists; with catchUp false only the latest missed runs", name, i)
		}
	}
	if after[missed] != 1 {
		t.Errorf("run %s was started %d times, want once; Created events: %v", missed, after[missed], after)
	}
	for i := 0; i <= k; i++ {
		if _, name := e.due(i); after[name] != before[name] {
			t.Errorf("run %s of due time %d, started before the kill, was started again after it: %d Created events, %d before", name, i, after[name], before[name])
		}
	}
	// The controllers say so: the due times between were skipped, as
	// beyond the catch-up cap (catchUp false keeps the latest only).
	events, err := e.kube.CoreV1().Events(e.ns).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=" + e.rr.Name})
	if err != nil {
		t.Fatal(err)
	}
	var skipped []string
	for _, ev := range events.Items {
		if ev.Reason == "Skipped" && ev.InvolvedObject.UID == e.rr.UID {
			skipped = append(skipped, ev.Message)
		}
	}
	want := fmt.Sprintf("Skipped %d due runs (%d beyond the catch-up cap, 0 held back by concurrencyPolicy Allow)", m-k-1, m-k-1)
	if !slices.Equal(skipped, []string{want}) {
		t.Errorf("Skipped events %q, want [%q]", skipped, want)
	}

	// History: the run before the kill is deleted once the missed one
	// succeeded (successfulRunsHistoryLimit 1), and the status says when
	// the last run was due.
	e.waitRuns(ctx, t, longTimeout, "the run before the kill deleted", func(runs map[string]mlv1alpha1.PipelineRun, rr *mlv1alpha1.RecurringRun) bool {
		_, kept := runs[last]
		succeeded := 0
		for _, r := range runs {
			if r.Status.Phase == mlv1alpha1.PipelineRunSucceeded {
				succeeded++
			}
		}
		return !kept && succeeded <= 1 && rr.Status.LastScheduleTime != nil && !rr.Status.LastScheduleTime.Time.Before(mAt)
	})
}
