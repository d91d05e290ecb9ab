package plan

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// stopSpec: a and slow start together; b follows a; finally notify.
func stopSpec() *ml.PipelineSpec {
	return pipeline(task("a"), task("slow"), task("b").DependsOn("a")).
		Finally(task("notify").Args("$(run.status)").Obj()).Spec()
}

// TestFirstFailure: a task that fails for good stops the run: nothing new
// starts, running tasks finish, then finally runs and the run fails.
func TestFirstFailure(t *testing.T) {
	s := newSim(t, stopSpec())
	s.plan()
	s.end(pod("a"), 1, "")
	res := s.plan()
	if len(res.Create) != 0 || len(res.Delete) != 0 {
		t.Errorf("created %v deleted %v; want nothing while slow still runs", podNames(res.Create), res.Delete)
	}
	want := map[string]string{"a": "Failed/Error", "slow": "Running", "b": "Skipped/RunFailed", "notify": "Pending"}
	if diff := cmp.Diff(want, s.phases()); diff != "" {
		t.Errorf("phases (-want +got):\n%s", diff)
	}
	if res.Reason != RunReasonStopping || res.Status.Phase != ml.PipelineRunRunning {
		t.Errorf("run %s/%s, want Running/Stopping", res.Status.Phase, res.Reason)
	}
	s.end(pod("slow"), 0, "")
	res = s.plan()
	if got := s.create(res, pod("notify")).Args; !cmp.Equal(got, []string{"Failed"}) {
		t.Errorf("notify args %q", got)
	}
	s.end(pod("notify"), 0, "")
	res = s.plan()
	if res.Status.Phase != ml.PipelineRunFailed || res.Reason != RunReasonFailed || res.Message != "Task a failed (Error): exit code 1" {
		t.Errorf("run %s/%s: %s", res.Status.Phase, res.Reason, res.Message)
	}
	if got := s.phases()["slow"]; got != "Succeeded" {
		t.Errorf("slow %s, want it to have finished", got)
	}
}

// TestFailFast cancels running tasks at the first failure.
func TestFailFast(t *testing.T) {
	s := newSim(t, stopSpec())
	s.run.Spec.FailFast = true
	s.plan()
	s.end(pod("a"), 1, "")
	res := s.plan()
	if len(res.Delete) != 1 || res.Delete[0].PodName != pod("slow") {
		t.Errorf("deleted %+v, want slow's pod", res.Delete)
	}
	want := map[string]string{"a": "Failed/Error", "slow": "Canceled/FailFast", "b": "Skipped/RunFailed", "notify": "Running"}
	if diff := cmp.Diff(want, s.phases()); diff != "" {
		t.Errorf("phases (-want +got):\n%s", diff)
	}
}

// TestCancel deletes running pods, skips what did not start, runs finally
// and ends Canceled.
func TestCancel(t *testing.T) {
	s := newSim(t, stopSpec())
	s.plan()
	s.end(pod("a"), 0, "")
	s.run.Spec.Cancel = true
	res := s.plan()
	if diff := cmp.Diff([]Delete{{PodName: pod("slow"), UID: "uid-" + pod("slow"), Why: "the run was canceled"}}, res.Delete); diff != "" {
		t.Errorf("deletes (-want +got):\n%s", diff)
	}
	want := map[string]string{"a": "Succeeded", "slow": "Canceled/RunCanceled", "b": "Skipped/RunCanceled", "notify": "Running"}
	if diff := cmp.Diff(want, s.phases()); diff != "" {
		t.Errorf("phases (-want +got):\n%s", diff)
	}
	if got := s.create(res, pod("notify")).Args; !cmp.Equal(got, []string{"Canceled"}) {
		t.Errorf("notify args %q", got)
	}
	s.end(pod("notify"), 0, "")
	if res := s.plan(); res.Status.Phase != ml.PipelineRunCanceled || res.Status.CompletionTime == nil {
		t.Errorf("run %s, want Canceled and ended", res.Status.Phase)
	}
	// An ended run is left alone.
	if res := s.plan(); len(res.Create)+len(res.Delete)+len(res.Events) != 0 {
		t.Errorf("plan of an ended run did something: %+v", res)
	}
}

// TestCancelWhileSuspended still runs finally.
func TestCancelWhileSuspended(t *testing.T) {
	s := newSim(t, stopSpec())
	s.run.Spec.Suspend, s.run.Spec.Cancel = true, true
	res := s.plan()
	if !cmp.Equal(podNames(res.Create), []string{pod("notify")}) {
		t.Errorf("created %v, want only notify", podNames(res.Create))
	}
}

// TestDeadline stops regular tasks at activeDeadlineSeconds; finally still
// runs and the run fails with DeadlineExceeded.
func TestDeadline(t *testing.T) {
	s := newSim(t, stopSpec())
	ads := int64(60)
	s.run.Spec.ActiveDeadlineSeconds = &ads
	res := s.plan()
	if res.RequeueAfter != time.Minute {
		t.Errorf("requeue %v, want the deadline", res.RequeueAfter)
	}
	s.now = s.now.Add(time.Minute)
	res = s.plan()
	want := map[string]string{"a": "Canceled/DeadlineExceeded", "slow": "Canceled/DeadlineExceeded", "b": "Skipped/DeadlineExceeded", "notify": "Running"}
	if diff := cmp.Diff(want, s.phases()); diff != "" {
		t.Errorf("phases (-want +got):\n%s", diff)
	}
	if len(res.Delete) != 2 {
		t.Errorf("deleted %v, want both running pods", res.Delete)
	}
	s.end(pod("notify"), 0, "")
	if res := s.plan(); res.Status.Phase != ml.PipelineRunFailed || res.Reason != RunReasonDeadlineExceeded {
		t.Errorf("run %s/%s, want Failed/DeadlineExceeded", res.Status.Phase, res.Reason)
	}
}

// TestSuspend starts nothing new while suspended; running tasks finish.
func TestSuspend(t *testing.T) {
	s := newSim(t, stopSpec())
	s.plan()
	s.run.Spec.Suspend = true
	s.end(pod("a"), 0, "")
	res := s.plan()
	if len(res.Create) != 0 || res.Reason != RunReasonSuspended {
		t.Errorf("suspended: created %v, reason %s", podNames(res.Create), res.Reason)
	}
	s.run.Spec.Suspend = false
	if res := s.plan(); !cmp.Equal(podNames(res.Create), []string{pod("b")}) {
		t.Errorf("resumed: created %v, want b", podNames(res.Create))
	}
}

// TestLostPod: a running attempt whose pod is not listed is ensured again
// under the same name, so a lagging cache never doubles an attempt.
func TestLostPod(t *testing.T) {
	s := newSim(t, pipeline(task("a")).Spec())
	s.plan()
	delete(s.pods, pod("a"))
	res := s.plan()
	if !cmp.Equal(podNames(res.Create), []string{pod("a")}) || len(s.task("a").Attempts) != 1 {
		t.Errorf("created %v with %d attempts, want a's pod again as the same attempt", podNames(res.Create), len(s.task("a").Attempts))
	}
}

// TestInvalidSnapshot fails a run whose snapshot cannot run.
func TestInvalidSnapshot(t *testing.T) {
	cycle := pipeline(task("a").DependsOn("b"), task("b").DependsOn("a")).Spec()
	s := newSim(t, cycle)
	if res := s.plan(); res.Status.Phase != ml.PipelineRunFailed || res.Message != "dependency cycle: a -> b -> a" {
		t.Errorf("cycle: %s: %s", res.Status.Phase, res.Message)
	}
	required := pipeline(task("a").Args("$(params.lr)")).Spec()
	required.Params = []ml.ParamSpec{paramSpec("lr", "")}
	s = newSim(t, required)
	if res := s.plan(); res.Status.Phase != ml.PipelineRunFailed || res.Reason != RunReasonInvalidPipeline {
		t.Errorf("missing param: %s/%s: %s", res.Status.Phase, res.Reason, res.Message)
	}
}

// A task whose command cannot start says why in its status and in the
// run's message: the start error, not only an exit code.
func TestFailedTaskSaysWhy(t *testing.T) {
	s := newSim(t, stopSpec())
	s.plan()
	p := s.pods[pod("a")]
	p.Phase, p.Reason, p.ExitCode = workload.PhaseFailed, workload.ReasonStartError, ptr.To[int32](127)
	p.Message = `exec: "pyhton3": executable file not found in $PATH`
	s.pods[pod("a")] = p
	s.plan()
	want := `exit code 127 (StartError): exec: "pyhton3": executable file not found in $PATH`
	if a := s.task("a"); a.Phase != ml.TaskFailed || a.Reason != workload.ReasonStartError || a.Message != want {
		t.Errorf("task a: %s/%s %q, want Failed/StartError %q", a.Phase, a.Reason, a.Message, want)
	}
}
