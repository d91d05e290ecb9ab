package plan

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// TestForEachParallelism runs a 7-instance task with forEach.parallelism 3:
// waves of 3, 3 and 1 instances, never more at once, whatever the run's
// own parallelism allows.
func TestForEachParallelism(t *testing.T) {
	spec := pipeline(task("work").ForEachItems("a", "b", "c", "d", "e", "f", "g").ForEachParallelism(3)).Spec()
	s := newSim(t, spec)
	waves := s.runToEnd()
	var sizes []int
	for _, w := range waves {
		sizes = append(sizes, len(w))
	}
	if diff := cmp.Diff([]int{3, 3, 1}, sizes); diff != "" {
		t.Errorf("waves of started instances (-want +got):\n%s", diff)
	}
	if s.last.Status.Phase != ml.PipelineRunSucceeded {
		t.Errorf("phase %s: %s", s.last.Status.Phase, s.last.Message)
	}
}

// TestForEachParallelismWithRunParallelism holds two fanned-out tasks to
// their own parallelism and the run's together.
func TestForEachParallelismWithRunParallelism(t *testing.T) {
	spec := pipeline(
		task("a").ForEachItems("1", "2", "3", "4").ForEachParallelism(1),
		task("b").ForEachItems("1", "2", "3", "4").ForEachParallelism(3),
	).Spec()
	s := newSim(t, spec)
	par := int32(3)
	s.run.Spec.Parallelism = &par
	res := s.plan()
	if diff := cmp.Diff([]string{pod("a-0"), pod("b-0"), pod("b-1")}, podNames(res.Create)); diff != "" {
		t.Errorf("first plan's pods (-want +got):\n%s", diff)
	}
}

// TestRunInstancesCap fails a task whose list, read at run time, would
// take the run past its cap of instances.
func TestRunInstancesCap(t *testing.T) {
	spec := pipeline(
		task("a").ForEachItems("1", "2", "3"),
		task("b").ForEachFrom("$(params.list)"),
	).Params(paramSpec("list", "")).Spec()
	spec.Params[0].Type = ml.ParamTypeList
	s := newSim(t, spec, ml.Param{Name: "list", Value: `["x","y","z"]`})
	res := Plan(Input{Run: s.run, Now: s.now, MaxRunInstances: 5})
	var b *ml.PipelineTaskStatus
	for i := range res.Status.Tasks {
		if res.Status.Tasks[i].Name == "b" {
			b = &res.Status.Tasks[i]
		}
	}
	if b == nil || b.Phase != ml.TaskFailed || b.Reason != ReasonInvalidForEach {
		t.Fatalf("task b: %+v, want Failed/%s", b, ReasonInvalidForEach)
	}
	want := "forEach has 3 items; with the 3 instances the run has, more than the limit of 5 per run (the server's --max-run-instances)"
	if b.Message != want {
		t.Errorf("message %q, want %q", b.Message, want)
	}
	if res.Status.Phase != ml.PipelineRunRunning && res.Status.Phase != ml.PipelineRunFailed {
		t.Errorf("phase %s", res.Status.Phase)
	}
	// At the cap, it runs.
	res = Plan(Input{Run: s.run, Now: s.now, MaxRunInstances: 6})
	if got := len(res.Create); got != 6 {
		t.Errorf("at the cap, %d pods started, want 6: %s", got, strings.Join(podNames(res.Create), ","))
	}
}

// TestInstanceIndex gives every instance of a wide task its index.
func TestInstanceIndex(t *testing.T) {
	items := make([]string, 50)
	for i := range items {
		items[i] = fmt.Sprint(i)
	}
	s := newSim(t, pipeline(task("w").ForEachItems(items...)).Spec())
	res := s.plan()
	for _, c := range res.Create {
		if want := "w-" + fmt.Sprint(c.Index); c.Name != want {
			t.Errorf("instance %s has index %d", c.Name, c.Index)
		}
	}
}
