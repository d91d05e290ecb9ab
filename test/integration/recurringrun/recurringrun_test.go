// Package recurringrun tests RecurringRuns in standalone mode with the
// controllers on: the runs they start are real PipelineRuns whose tasks run
// as host processes, and the server restarts on the same data directory.
package recurringrun

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

var server *framework.TestServer

func TestMain(m *testing.M) {
	framework.MainWith(m, &server, func(o *options.Options) {
		o.Controllers.Controllers = []string{"*"}
	})
}

// interval is the schedule of the tests: the shortest allowed.
const interval = 10 * time.Second

// newRecurringRun returns a RecurringRun of a one-task inline pipeline that
// echoes its scheduled time, every interval.
func newRecurringRun(ns, name string) *mlv1alpha1.RecurringRun {
	return &mlv1alpha1.RecurringRun{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: mlv1alpha1.RecurringRunSpec{
			Schedule:                   mlv1alpha1.RecurringSchedule{Interval: &metav1.Duration{Duration: interval}},
			SuccessfulRunsHistoryLimit: ptr.To[int32](1),
			RunTemplate: mlv1alpha1.RunTemplate{PipelineRun: &mlv1alpha1.PipelineRunSpec{
				PipelineSpec: &mlv1alpha1.PipelineSpec{
					Params: []mlv1alpha1.ParamSpec{{Name: "when"}},
					Tasks: []mlv1alpha1.PipelineTask{{
						Name:          "echo",
						ContainerSpec: mlv1alpha1.ContainerSpec{Image: "ignored", Command: []string{"sh", "-c", "echo scheduled for $(params.when)"}},
					}},
				},
				Params: []mlv1alpha1.Param{{Name: "when", Value: "$(schedule.scheduledTime)"}},
			}},
		},
	}
}

// runs returns the PipelineRuns rr started, by scheduled time.
func runs(ctx context.Context, t *testing.T, ns, rr string) []mlv1alpha1.PipelineRun {
	t.Helper()
	list, err := server.Clientset().MlV1alpha1().PipelineRuns(ns).List(ctx, metav1.ListOptions{LabelSelector: mlv1alpha1.RecurringRunNameLabel + "=" + rr})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(list.Items, func(a, b mlv1alpha1.PipelineRun) int { return strings.Compare(a.Name, b.Name) })
	return list.Items
}

// scheduled is the scheduled time of a run, from its annotation.
func scheduled(t *testing.T, plr *mlv1alpha1.PipelineRun) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, plr.Annotations[mlv1alpha1.ScheduledTimeAnnotation])
	if err != nil {
		t.Fatalf("run %s: scheduled time: %v", plr.Name, err)
	}
	return at
}

// waitFor polls cond generously; the schedule runs on the real clock.
func waitFor(t *testing.T, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(context.Background(), 500*time.Millisecond, 3*time.Minute, true, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// TestRunsSucceedAndHistoryIsPruned: runs are started every interval, named
// from their scheduled time, with the scheduled time as a param; they
// succeed, and only the latest successful one is kept.
func TestRunsSucceedAndHistoryIsPruned(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	rrs := server.Clientset().MlV1alpha1().RecurringRuns(ns)
	if _, err := rrs.Create(ctx, newRecurringRun(ns, "echo"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var rr *mlv1alpha1.RecurringRun
	waitFor(t, "3 runs, the last successful one kept", func(ctx context.Context) (bool, error) {
		var err error
		if rr, err = rrs.Get(ctx, "echo", metav1.GetOptions{}); err != nil {
			return false, err
		}
		succeeded := 0
		for _, plr := range runs(ctx, t, ns, "echo") {
			if plr.Status.Phase == mlv1alpha1.PipelineRunSucceeded {
				succeeded++
			}
		}
		return rr.Status.RunCount >= 3 && rr.Status.LastSuccessfulTime != nil && succeeded == 1, nil
	})
	for _, plr := range runs(ctx, t, ns, "echo") {
		at := scheduled(t, &plr)
		if want := fmt.Sprintf("echo-%d", at.Unix()); plr.Name != want {
			t.Errorf("run %s scheduled at %s: want the name %s", plr.Name, at, want)
		}
		if got := plr.Spec.Params; len(got) != 1 || got[0].Value != at.UTC().Format(time.RFC3339) {
			t.Errorf("run %s: params %v, want when=%s", plr.Name, got, at.UTC().Format(time.RFC3339))
		}
		if ref := metav1.GetControllerOf(&plr); ref == nil || ref.UID != rr.UID {
			t.Errorf("run %s: controller %v, want the RecurringRun", plr.Name, ref)
		}
	}

	// Deleting the RecurringRun deletes its runs: standalone mode has no
	// garbage collector, the controller does it.
	if err := rrs.Delete(ctx, "echo", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the runs of the deleted RecurringRun to be deleted", func(ctx context.Context) (bool, error) {
		return len(runs(ctx, t, ns, "echo")) == 0, nil
	})
}

// TestRestartCreatesTheMissedRunOnce stops the server across due times and
// starts it again on the same data directory: without catchUp only the
// latest missed run is started, once.
func TestRestartCreatesTheMissedRunOnce(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	rr := newRecurringRun(ns, "missed")
	rr.Spec.SuccessfulRunsHistoryLimit = ptr.To[int32](10)
	if _, err := server.Clientset().MlV1alpha1().RecurringRuns(ns).Create(ctx, rr, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first run", func(ctx context.Context) (bool, error) {
		return len(runs(ctx, t, ns, "missed")) > 0, nil
	})

	server.Stop()
	stopped := time.Now()
	// Down for more than two intervals: at least two due times pass.
	time.Sleep(2*interval + interval/2)
	restarting := time.Now()
	server.Restart()

	waitFor(t, "a run after the restart", func(ctx context.Context) (bool, error) {
		for _, plr := range runs(ctx, t, ns, "missed") {
			if scheduled(t, &plr).After(stopped) {
				return true, nil
			}
		}
		return false, nil
	})
	// The first sync after the restart (no sooner than restarting) starts
	// the latest due time only; the due times missed before are skipped.
	var during []string
	for _, plr := range runs(ctx, t, ns, "missed") {
		if at := scheduled(t, &plr); at.After(stopped) && !at.After(restarting.Add(-interval)) {
			during = append(during, plr.Name)
		}
	}
	if len(during) != 0 {
		t.Errorf("runs %v were started for due times missed while the server was down, before the latest one", during)
	}
	if got, err := server.Clientset().MlV1alpha1().RecurringRuns(ns).Get(ctx, "missed", metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	} else if int(got.Status.RunCount) > len(runs(ctx, t, ns, "missed")) {
		t.Errorf("status.runCount %d, more than the %d runs: a run was counted twice", got.Status.RunCount, len(runs(ctx, t, ns, "missed")))
	}
}
