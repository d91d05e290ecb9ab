package plan

import (
	"testing"
	"time"

	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

func TestRetryDelay(t *testing.T) {
	policy := func(d string, factor *int32, maxD string) *ml.RetryPolicy {
		return &ml.RetryPolicy{Limit: 10, Backoff: &ml.Backoff{Duration: ml.Duration(d), Factor: factor, MaxDuration: ml.Duration(maxD)}}
	}
	cases := []struct {
		name   string
		policy *ml.RetryPolicy
		want   []time.Duration // retries 1, 2, ...
	}{
		{name: "no policy", policy: nil, want: []time.Duration{0, 0}},
		{name: "no backoff", policy: &ml.RetryPolicy{Limit: 3}, want: []time.Duration{0, 0, 0}},
		{name: "factor 2 capped", policy: policy("30s", ptr.To[int32](2), "5m"),
			want: []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 5 * time.Minute, 5 * time.Minute}},
		{name: "default factor is 2", policy: policy("1s", nil, ""), want: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}},
		{name: "factor 1 is constant", policy: policy("10s", ptr.To[int32](1), ""), want: []time.Duration{10 * time.Second, 10 * time.Second, 10 * time.Second}},
		{name: "factor 3", policy: policy("1s", ptr.To[int32](3), "1m"), want: []time.Duration{time.Second, 3 * time.Second, 9 * time.Second, 27 * time.Second, time.Minute}},
		{name: "cap below duration", policy: policy("1m", ptr.To[int32](2), "30s"), want: []time.Duration{30 * time.Second}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for i, want := range tc.want {
				if got := RetryDelay(tc.policy, i+1); got != want {
					t.Errorf("retry %d: %v, want %v", i+1, got, want)
				}
			}
		})
	}
	// No overflow however many retries.
	if got := RetryDelay(policy("1h", ptr.To[int32](10), ""), 100); got <= 0 {
		t.Errorf("retry 100 without a cap: %v, want a positive delay", got)
	}
}

// TestRetries fails a task twice and lets its third attempt succeed: each
// retry starts as a new pod after the backoff, every attempt is recorded.
func TestRetries(t *testing.T) {
	s := newSim(t, pipeline(task("flaky").Outputs("x").Backoff(10*time.Second, 2, time.Minute), task("next").Args("$(tasks.flaky.outputs.x)")).Spec())
	s.run.Status.PipelineSpec.Tasks[0].Retries.Limit = 3
	s.script = func(entry string, attempt int) outcome {
		if entry == "flaky" && attempt < 3 {
			return outcome{exit: 2, message: "CUDA error"}
		}
		return outcome{message: "x=ok"}
	}
	s.plan()
	s.end(PodName("r", "flaky", 1), 2, "CUDA error")
	res := s.plan()
	f := s.task("flaky")
	if f.Phase != ml.TaskPending || f.Reason != ReasonRetrying || len(res.Create) != 0 {
		t.Fatalf("after a failed attempt: %s/%s, %d pods created; want Pending/Retrying and none", f.Phase, f.Reason, len(res.Create))
	}
	if res.RequeueAfter != 10*time.Second {
		t.Errorf("requeue after %v, want the backoff of 10s", res.RequeueAfter)
	}
	s.now = s.now.Add(5 * time.Second)
	if res := s.plan(); len(res.Create) != 0 || res.RequeueAfter != 5*time.Second {
		t.Errorf("before the backoff ended: created %v, requeue %v", podNames(res.Create), res.RequeueAfter)
	}
	s.now = s.now.Add(5 * time.Second)
	res = s.plan()
	s.create(res, PodName("r", "flaky", 2))
	s.runToEnd()
	f = s.task("flaky")
	if f.Phase != ml.TaskSucceeded || len(f.Attempts) != 3 || f.PodName != PodName("r", "flaky", 3) {
		t.Fatalf("flaky: %s after %d attempts, pod %s", f.Phase, len(f.Attempts), f.PodName)
	}
	for i, a := range f.Attempts[:2] {
		if a.ExitCode == nil || *a.ExitCode != 2 || a.CompletionTime == nil || a.Message != "exit code 2: CUDA error" {
			t.Errorf("attempt %d: %+v", i+1, a)
		}
	}
	// The second retry waited twice as long as the first.
	gap := f.Attempts[2].StartTime.Sub(f.Attempts[1].CompletionTime.Time)
	if gap != 20*time.Second {
		t.Errorf("second retry started %v after the failure, want 20s", gap)
	}
	if s.run.Status.Phase != ml.PipelineRunSucceeded {
		t.Errorf("run %s", s.run.Status.Phase)
	}
}

// TestTimeout stops an attempt that runs past the task's timeout.
func TestTimeout(t *testing.T) {
	s := newSim(t, pipeline(task("slow").Timeout(time.Minute)).Spec())
	res := s.plan()
	if res.RequeueAfter != time.Minute {
		t.Errorf("requeue after %v, want the timeout", res.RequeueAfter)
	}
	s.now = s.now.Add(time.Minute)
	res = s.plan()
	if len(res.Delete) != 1 || res.Delete[0].PodName != pod("slow") || res.Delete[0].UID != "uid-"+pod("slow") {
		t.Errorf("deleted %+v, want the slow pod by UID", res.Delete)
	}
	if got := s.phases()["slow"]; got != "Failed/TimedOut" {
		t.Errorf("slow: %s, want Failed/TimedOut", got)
	}
	if res.Status.Phase != ml.PipelineRunFailed {
		t.Errorf("run %s, want Failed", res.Status.Phase)
	}
}
