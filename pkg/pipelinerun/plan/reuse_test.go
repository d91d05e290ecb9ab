package plan

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// retrySim starts a retry of the ended run of s, as admission makes one.
func retrySim(t *testing.T, s *sim) *sim {
	t.Helper()
	r := newSim(t, s.run.Status.PipelineSpec, s.run.Status.Params...)
	r.run.Name = "r-retry"
	r.run.Spec.PipelineSpec = nil
	r.run.Spec.RetryOf = &ml.LocalObjectReference{Name: s.run.Name}
	r.run.Status.Tasks = Reused(s.run, s.run.Status.PipelineSpec)
	return r
}

// TestRetryReusesSucceededTasks fails the 4th task of a 5-task chain, then
// retries the run: the first three are reused, not run, and their outputs
// reach the 4th.
func TestRetryReusesSucceededTasks(t *testing.T) {
	sp := pipeline(
		task("t1").Outputs("o"),
		task("t2").Args("$(tasks.t1.outputs.o)").Outputs("o"),
		task("t3").Args("$(tasks.t2.outputs.o)").Outputs("o"),
		task("t4").Args("$(tasks.t3.outputs.o)").Outputs("o"),
		task("t5").Args("$(tasks.t4.outputs.o)"),
	).Spec()
	sp.Finally = []ml.PipelineTask{task("notify").Obj()}
	first := newSim(t, sp)
	fail := true
	script := func(entry string, _ int) outcome {
		switch {
		case entry == "t4" && fail:
			return outcome{exit: 1}
		case entry == "notify" || entry == "t5":
			return outcome{}
		}
		return outcome{message: "o=" + entry + "-out"}
	}
	first.script = script
	first.runToEnd()
	if first.run.Status.Phase != ml.PipelineRunFailed {
		t.Fatalf("first run %s, want Failed", first.run.Status.Phase)
	}

	fail = false
	retry := retrySim(t, first)
	retry.script = script
	res := retry.plan()
	if diff := cmp.Diff([]string{PodName("r-retry", "t4", 1)}, podNames(res.Create)); diff != "" {
		t.Errorf("first plan of the retry starts (-want +got):\n%s", diff)
	}
	if got := retry.create(res, PodName("r-retry", "t4", 1)).Args; !cmp.Equal(got, []string{"t3-out"}) {
		t.Errorf("t4 args %q, want the output of the reused t3", got)
	}
	if want := "1 running, 3 of 6 tasks done, 3 of them reused from run r"; res.Message != want {
		t.Errorf("message %q, want %q", res.Message, want)
	}
	retry.runToEnd()
	if retry.run.Status.Phase != ml.PipelineRunSucceeded {
		t.Fatalf("retry %s: %s", retry.run.Status.Phase, retry.last.Message)
	}
	if want := "All 6 tasks succeeded or were skipped, 3 of them reused from run r"; retry.last.Message != want {
		t.Errorf("message %q, want %q", retry.last.Message, want)
	}
	want := []string{PodName("r-retry", "t4", 1), PodName("r-retry", "t5", 1), PodName("r-retry", "notify", 1)}
	if diff := cmp.Diff(want, retry.started); diff != "" {
		t.Errorf("pods of the retry (-want +got):\n%s", diff)
	}
	for _, name := range []string{"t1", "t2", "t3"} {
		e := retry.task(name)
		if e.Phase != ml.TaskSucceeded || e.Reason != ReasonReused || e.PodName != "" || len(e.Attempts) != 0 {
			t.Errorf("%s: %s/%s pod %q attempts %d, want Succeeded/Reused without a pod", name, e.Phase, e.Reason, e.PodName, len(e.Attempts))
		}
		if want := []ml.Param{{Name: "o", Value: name + "-out"}}; !cmp.Equal(e.Outputs, want) {
			t.Errorf("%s outputs %v, want %v", name, e.Outputs, want)
		}
	}
	// The failed run is what it was.
	if e := first.task("t4"); e.Phase != ml.TaskFailed {
		t.Errorf("first run t4 %s, want Failed", e.Phase)
	}
}

// TestRetryForEach reuses the instances of a forEach task that succeeded
// and runs the failed one again; the fan-in reads all of them.
func TestRetryForEach(t *testing.T) {
	sp := pipeline(
		task("fit").ForEachItems("a", "b", "c").Outputs("loss"),
		task("pick").Args("$(tasks.fit.outputs.loss)"),
	).Spec()
	first := newSim(t, sp)
	fail := true
	script := func(entry string, _ int) outcome {
		if entry == "fit-1" && fail {
			return outcome{exit: 1}
		}
		return outcome{message: "loss=" + entry}
	}
	first.script = script
	first.runToEnd()
	if first.run.Status.Phase != ml.PipelineRunFailed {
		t.Fatalf("first run %s, want Failed", first.run.Status.Phase)
	}
	fail = false
	retry := retrySim(t, first)
	retry.script = script
	waves := retry.runToEnd()
	want := [][]string{{PodName("r-retry", "fit-1", 1)}, {PodName("r-retry", "pick", 1)}}
	if diff := cmp.Diff(want, waves); diff != "" {
		t.Errorf("pods of the retry (-want +got):\n%s", diff)
	}
	if retry.run.Status.Phase != ml.PipelineRunSucceeded {
		t.Fatalf("retry %s: %s", retry.run.Status.Phase, retry.last.Message)
	}
	wantPhases := map[string]string{"fit-0": "Succeeded/Reused", "fit-1": "Succeeded", "fit-2": "Succeeded/Reused", "pick": "Succeeded"}
	if diff := cmp.Diff(wantPhases, retry.phases()); diff != "" {
		t.Errorf("phases (-want +got):\n%s", diff)
	}
	if got := retry.last.Status.Tasks[len(retry.last.Status.Tasks)-1]; got.Name != "pick" {
		t.Fatalf("last entry %s", got.Name)
	}
}

// TestReusedSkipsFailedAndFinally leaves out what did not succeed and the
// finally tasks.
func TestReusedSkipsFailedAndFinally(t *testing.T) {
	sp := pipeline(task("a"), task("b"), task("c"), task("d")).Spec()
	sp.Finally = []ml.PipelineTask{task("fin").Obj()}
	prev := newSim(t, sp).run
	prev.Status.Tasks = []ml.PipelineTaskStatus{
		{Name: "a", Task: "a", Phase: ml.TaskSucceeded, PodName: "r-a-1", Attempts: []ml.TaskAttempt{{PodName: "r-a-1"}}, CacheKey: "k"},
		{Name: "b", Task: "b", Phase: ml.TaskSucceeded, Reason: ReasonCached},
		{Name: "c", Task: "c", Phase: ml.TaskFailed},
		{Name: "d", Task: "d", Phase: ml.TaskSkipped, Reason: ReasonUpstreamSkipped},
		{Name: "fin", Task: "fin", Phase: ml.TaskSucceeded},
	}
	msg := "reused the outputs of this task from run r"
	want := []ml.PipelineTaskStatus{
		{Name: "a", Task: "a", Phase: ml.TaskSucceeded, Reason: ReasonReused, Message: msg, CacheKey: "k"},
		{Name: "b", Task: "b", Phase: ml.TaskSucceeded, Reason: ReasonReused, Message: msg},
	}
	if diff := cmp.Diff(want, Reused(prev, sp)); diff != "" {
		t.Errorf("Reused (-want +got):\n%s", diff)
	}
}
