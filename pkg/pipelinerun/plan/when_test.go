package plan

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// TestWhenCEL runs train, then three mutually exclusive branches on its
// accuracy (If/Elif/Else) and one on a param, for several accuracies.
func TestWhenCEL(t *testing.T) {
	spec := pipeline(
		task("train").Outputs("accuracy"),
		task("deploy").WhenCEL("double(tasks.train.outputs.accuracy) > 0.9"),
		task("retune").WhenCEL("double(tasks.train.outputs.accuracy) > 0.5 && !(double(tasks.train.outputs.accuracy) > 0.9)"),
		task("alert").WhenCEL("!(double(tasks.train.outputs.accuracy) > 0.5)"),
		task("notify").WhenCEL("params.env.lowerAscii().startsWith('prod')"),
	).Spec()
	spec.Params = []ml.ParamSpec{paramSpec("env", "")}
	cases := []struct {
		accuracy, env string
		want          map[string]string
	}{
		{"0.95", "Production", map[string]string{"deploy": "Succeeded", "retune": "Skipped/WhenNotMet", "alert": "Skipped/WhenNotMet", "notify": "Succeeded"}},
		{"0.7", "staging", map[string]string{"deploy": "Skipped/WhenNotMet", "retune": "Succeeded", "alert": "Skipped/WhenNotMet", "notify": "Skipped/WhenNotMet"}},
		{"0.2", "prod-eu", map[string]string{"deploy": "Skipped/WhenNotMet", "retune": "Skipped/WhenNotMet", "alert": "Succeeded", "notify": "Succeeded"}},
	}
	for _, tc := range cases {
		t.Run(tc.accuracy+"/"+tc.env, func(t *testing.T) {
			s := newSim(t, spec, paramOf("env", tc.env))
			s.script = func(entry string, _ int) outcome {
				if entry == "train" {
					return outcome{message: "accuracy=" + tc.accuracy}
				}
				return outcome{}
			}
			s.runToEnd()
			got := s.phases()
			delete(got, "train")
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("phases (-want +got):\n%s", diff)
			}
		})
	}
}

// A CEL condition waits for the task it reads, even without dependsOn,
// and says which condition did not hold.
func TestWhenCELWaitsAndExplains(t *testing.T) {
	spec := pipeline(
		task("deploy").WhenCEL("double(tasks.train.outputs.accuracy) > 0.9"),
		task("train").Outputs("accuracy"),
	).Spec()
	s := newSim(t, spec)
	s.script = func(string, int) outcome { return outcome{message: "accuracy=0.5"} }
	if res := s.plan(); !cmp.Equal(podNames(res.Create), []string{pod("train")}) {
		t.Fatalf("first plan created %v, want train only", podNames(res.Create))
	}
	s.runToEnd()
	d := s.task("deploy")
	if d.Phase != ml.TaskSkipped || d.Message != "when[0]: double(tasks.train.outputs.accuracy) > 0.9 is false" {
		t.Errorf("deploy %s: %q", d.Phase, d.Message)
	}
}

// A condition that fails at run time (an output that is not a number)
// fails the task saying why; one over a skipped task's output skips it.
func TestWhenCELErrors(t *testing.T) {
	spec := pipeline(
		task("train").Outputs("accuracy"),
		task("deploy").WhenCEL("double(tasks.train.outputs.accuracy) > 0.9"),
	).Spec()
	s := newSim(t, spec)
	s.script = func(string, int) outcome { return outcome{message: "accuracy=high"} }
	s.runToEnd()
	if d := s.task("deploy"); d.Phase != ml.TaskFailed || d.Reason != ReasonInvalidTask || !strings.Contains(d.Message, "when[0]: cel") {
		t.Errorf("deploy %s/%s: %q, want Failed/InvalidTask", d.Phase, d.Reason, d.Message)
	}

	spec = pipeline(
		task("train").Outputs("accuracy").When("x", ml.WhenOperatorIn, "y"),
		task("deploy").WhenCEL("double(tasks.train.outputs.accuracy) > 0.9"),
	).Spec()
	s = newSim(t, spec)
	s.runToEnd()
	if got := s.phases()["deploy"]; got != "Skipped/UpstreamSkipped" {
		t.Errorf("deploy after a skipped train is %s, want Skipped/UpstreamSkipped", got)
	}
}

// The upstream values a CEL condition reads are part of the cache key.
func TestWhenCELCacheKey(t *testing.T) {
	spec := pipeline(
		task("train").Outputs("accuracy"),
		task("deploy").WhenCEL("double(tasks.train.outputs.accuracy) > 0.5"),
	).Spec()
	keyWith := func(accuracy string) string {
		s := newSim(t, spec)
		s.script = func(string, int) outcome { return outcome{message: "accuracy=" + accuracy} }
		s.runToEnd()
		return s.task("deploy").CacheKey
	}
	if a, b := keyWith("0.9"), keyWith("0.8"); a == "" || a == b {
		t.Errorf("deploy read another accuracy but has the key %q both times", a)
	}
}

// The controller holds conditions to its cost limit (--max-when-cel-cost):
// one over it fails the task, saying so.
func TestWhenCELCostLimit(t *testing.T) {
	spec := pipeline(
		task("train").Outputs("accuracy"),
		task("deploy").WhenCEL("tasks.train.outputs.accuracy.lowerAscii() == 'high'"),
	).Spec()
	for _, tc := range []struct {
		limit int64
		want  string
	}{{0, "Succeeded"}, {10, "Failed/InvalidTask"}} {
		s := newSim(t, spec)
		s.whenCELCost = tc.limit
		s.script = func(string, int) outcome { return outcome{message: "accuracy=HIGH"} }
		s.runToEnd()
		if got := s.phases()["deploy"]; got != tc.want {
			t.Errorf("limit %d: deploy is %s (%s), want %s", tc.limit, got, s.task("deploy").Message, tc.want)
		}
		if tc.want != "Succeeded" && !strings.Contains(s.task("deploy").Message, "exceeds the limit of 10") {
			t.Errorf("limit %d: message %q does not name the limit", tc.limit, s.task("deploy").Message)
		}
	}
}
