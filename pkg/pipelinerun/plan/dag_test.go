package plan

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
)

// TestPlanShapes runs DAGs of several shapes to their end and checks the
// waves in which their pods start: a task starts in the first plan after
// all of its dependencies ended, and never before.
func TestPlanShapes(t *testing.T) {
	diamond := pipeline(
		task("d").DependsOn("b", "c"),
		task("b").DependsOn("a"),
		task("c").Args("--in=$(tasks.a.outputs.x)"),
		task("a").Outputs("x"),
	).Spec()
	wideWaves := func(n, parallelism int) [][]string {
		waves := [][]string{{pod("root")}}
		var cur []string
		for i := range n {
			cur = append(cur, pod(fmt.Sprintf("w%d", i)))
			if parallelism > 0 && len(cur) == parallelism {
				waves = append(waves, cur)
				cur = nil
			}
		}
		if len(cur) > 0 {
			waves = append(waves, cur)
		}
		return append(waves, []string{pod("sink")})
	}
	chainWaves := func(n int) [][]string {
		var waves [][]string
		for i := range n {
			waves = append(waves, []string{pod(fmt.Sprintf("t%d", i))})
		}
		return waves
	}
	cases := []struct {
		name        string
		spec        *ml.PipelineSpec
		parallelism int32
		want        [][]string
	}{
		{
			// Written out of order, with one implicit dependency: c uses
			// an output of a.
			name: "diamond",
			spec: diamond,
			want: [][]string{{pod("a")}, {pod("b"), pod("c")}, {pod("d")}},
		},
		{name: "wide fan-out", spec: wide(50), want: wideWaves(50, 0)},
		{name: "wide fan-out capped by parallelism", spec: wide(25), parallelism: 10, want: wideWaves(25, 10)},
		{name: "deep chain", spec: chain(30), want: chainWaves(30)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, tc.spec)
			s.script = func(entry string, _ int) outcome { return outcome{message: "x=1"} }
			if tc.parallelism > 0 {
				s.run.Spec.Parallelism = &tc.parallelism
			}
			waves := s.runToEnd()
			if diff := cmp.Diff(tc.want, waves); diff != "" {
				t.Errorf("waves of started pods (-want +got):\n%s", diff)
			}
			if got := s.run.Status.Phase; got != ml.PipelineRunSucceeded {
				t.Errorf("phase %s, want Succeeded: %s", got, s.last.Message)
			}
			if s.run.Status.CompletionTime == nil {
				t.Errorf("completionTime not set")
			}
		})
	}
}

// TestPlanStatusOrder lists every task from the first plan, in spec order,
// Pending until it starts.
func TestPlanStatusOrder(t *testing.T) {
	s := newSim(t, pipeline(task("b").DependsOn("a"), task("a")).
		Finally(task("notify").Obj()).Spec())
	res := s.plan()
	want := map[string]string{"b": "Pending", "a": "Running", "notify": "Pending"}
	if diff := cmp.Diff(want, s.phases()); diff != "" {
		t.Errorf("phases (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"b", "a", "notify"}, s.taskNames()); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	if res.Status.Phase != ml.PipelineRunRunning || res.Status.StartTime == nil {
		t.Errorf("phase %s startTime %v, want Running with a start time", res.Status.Phase, res.Status.StartTime)
	}
}

// TestWhenSkipping checks when expressions and the propagation of skips
// to the tasks that need the outputs of skipped ones, and only to them.
func TestWhenSkipping(t *testing.T) {
	spec := pipeline(
		task("check").Outputs("status"),
		task("evaluate").Outputs("accuracy").
			When("$(tasks.check.outputs.status)", ml.WhenOperatorIn, "ok"),
		task("report").Args("--acc=$(tasks.evaluate.outputs.accuracy)"),
		task("publish").Args("$(tasks.report.outputs.url)").Outputs(),
		task("cleanup").DependsOn("evaluate"),
		task("alert").When("$(tasks.check.outputs.status)", ml.WhenOperatorNotIn, "ok"),
		task("param-gate").When("$(params.mode)", ml.WhenOperatorIn, "full", "fast"),
	)
	// report declares url for publish.
	sp := spec.Spec()
	sp.Params = []ml.ParamSpec{mltesting.MakeParamSpec("mode").Default("fast").Obj()}
	sp.Tasks[2].Outputs = []ml.TaskOutput{{Name: "url"}}
	s := newSim(t, sp)
	s.script = func(entry string, _ int) outcome {
		if entry == "check" {
			return outcome{message: "status=corrupt-images\n"}
		}
		return outcome{}
	}
	s.runToEnd()
	want := map[string]string{
		"check":      "Succeeded",
		"evaluate":   "Skipped/WhenNotMet",
		"report":     "Skipped/UpstreamSkipped",
		"publish":    "Skipped/UpstreamSkipped",
		"cleanup":    "Succeeded",
		"alert":      "Succeeded",
		"param-gate": "Succeeded",
	}
	if diff := cmp.Diff(want, s.phases()); diff != "" {
		t.Errorf("phases (-want +got):\n%s", diff)
	}
	if got, want := s.task("evaluate").Message, `when[0]: $(tasks.check.outputs.status) is "corrupt-images", not In [ok]`; got != want {
		t.Errorf("evaluate message %q, want %q", got, want)
	}
	if got, want := s.task("report").Message, `task "evaluate" was skipped, so its output "accuracy" has no value`; got != want {
		t.Errorf("report message %q, want %q", got, want)
	}
	if s.run.Status.Phase != ml.PipelineRunSucceeded {
		t.Errorf("phase %s, want Succeeded", s.run.Status.Phase)
	}
}

// TestForEach fans tasks out over a literal list, a list parameter and a
// JSON list output, and fans the instances' outputs back in.
func TestForEach(t *testing.T) {
	sp := pipeline(
		task("split").Outputs("shards"),
		task("fit").ForEachItems("0.1", "0.01", "0.001").Args("--lr=$(item)").Outputs("loss"),
		task("grid").ForEachFrom("$(params.sizes)").Args("--size=$(item)"),
		task("shard").ForEachFrom("$(tasks.split.outputs.shards)").Args("--shard=$(item)").Outputs("rows"),
		task("pick").Args("--losses=$(tasks.fit.outputs.loss)", "--rows=$(tasks.shard.outputs.rows)"),
		task("none").ForEachFrom("$(tasks.split.outputs.empty)"),
		task("after-none").Args("$(tasks.none.outputs.x)"),
	).Spec()
	sp.Tasks[0].Outputs = append(sp.Tasks[0].Outputs, ml.TaskOutput{Name: "empty"})
	sp.Tasks[5].Outputs = []ml.TaskOutput{{Name: "x"}}
	sp.Params = []ml.ParamSpec{mltesting.MakeParamSpec("sizes").Type(ml.ParamTypeList).Obj()}
	s := newSim(t, sp, ml.Param{Name: "sizes", Value: `["s","m"]`})
	s.script = func(entry string, _ int) outcome {
		switch entry {
		case "split":
			return outcome{message: "shards=[\"a\",\"b\",3]\nempty=[]"}
		case "fit-0", "fit-1", "fit-2":
			return outcome{message: "loss=" + entry[len(entry)-1:]}
		case "shard-0", "shard-1", "shard-2":
			return outcome{message: "rows=" + entry}
		}
		return outcome{}
	}

	first := s.plan()
	// Literal and parameter lists show their instances at once.
	wantFirst := []string{"split", "fit-0", "fit-1", "fit-2", "grid-0", "grid-1", "shard", "pick", "none", "after-none"}
	if diff := cmp.Diff(wantFirst, s.taskNames()); diff != "" {
		t.Errorf("entries after the first plan (-want +got):\n%s", diff)
	}
	if got := s.create(first, PodName("r", "fit-1", 1)).Args; !cmp.Equal(got, []string{"--lr=0.01"}) {
		t.Errorf("fit-1 args %q", got)
	}
	if got := s.create(first, PodName("r", "grid-1", 1)); got.Index != 1 || !cmp.Equal(got.Args, []string{"--size=m"}) {
		t.Errorf("grid-1: index %d args %q", got.Index, got.Args)
	}
	s.now = s.now.Add(1)
	s.endRunning()
	second := s.plan()
	if got := s.create(second, PodName("r", "shard-2", 1)).Args; !cmp.Equal(got, []string{"--shard=3"}) {
		t.Errorf("shard-2 args %q (non-string items are their JSON text)", got)
	}
	if got := s.task("shard-1"); got.Task != "shard" || got.Item != "b" {
		t.Errorf("shard-1 task %q item %q", got.Task, got.Item)
	}
	// An empty list ends its task at once, and its fan-in is [].
	if got := s.create(second, pod("after-none")).Args; !cmp.Equal(got, []string{"[]"}) {
		t.Errorf("after-none args %q, want the empty fan-in []", got)
	}
	s.endRunning()
	third := s.plan()
	pick := s.create(third, pod("pick"))
	if want := []string{`--losses=["0","1","2"]`, `--rows=["shard-0","shard-1","shard-2"]`}; !cmp.Equal(pick.Args, want) {
		t.Errorf("pick args %q, want %q", pick.Args, want)
	}
	if got := s.phases()["none"]; got != "Succeeded/NoItems" {
		t.Errorf("none: %s, want Succeeded/NoItems", got)
	}
	s.runToEnd()
	if s.run.Status.Phase != ml.PipelineRunSucceeded {
		t.Errorf("phase %s: %s", s.run.Status.Phase, s.last.Message)
	}
}

// TestForEachInvalid fails a task whose forEach output is not a JSON list,
// and the run with it.
func TestForEachInvalid(t *testing.T) {
	s := newSim(t, pipeline(
		task("split").Outputs("shards"),
		task("shard").ForEachFrom("$(tasks.split.outputs.shards)"),
		task("other"),
	).Spec())
	s.script = func(entry string, _ int) outcome { return outcome{message: "shards=a,b"} }
	s.runToEnd()
	got := s.task("shard")
	if got.Phase != ml.TaskFailed || got.Reason != ReasonInvalidForEach {
		t.Errorf("shard %s/%s: %s, want Failed/InvalidForEach", got.Phase, got.Reason, got.Message)
	}
	if s.run.Status.Phase != ml.PipelineRunFailed {
		t.Errorf("run phase %s, want Failed", s.run.Status.Phase)
	}
}

// TestForEachOverCap fails a task whose list, known only at run time, has
// more items than the server's --max-foreach, without starting any of them.
func TestForEachOverCap(t *testing.T) {
	s := newSim(t, pipeline(
		task("split").Outputs("shards"),
		task("shard").ForEachFrom("$(tasks.split.outputs.shards)"),
	).Spec())
	s.maxForEach = 2
	s.script = func(entry string, _ int) outcome { return outcome{message: `shards=["a","b","c"]`} }
	s.runToEnd()
	got := s.task("shard")
	want := "forEach has 3 items, more than the limit of 2 (the server's --max-foreach)"
	if got.Phase != ml.TaskFailed || got.Reason != ReasonInvalidForEach || got.Message != want {
		t.Errorf("shard %s/%s: %q, want Failed/InvalidForEach: %q", got.Phase, got.Reason, got.Message, want)
	}
	for _, name := range s.started {
		if strings.HasPrefix(name, "r-shard") {
			t.Errorf("started %s, want no instance of shard", name)
		}
	}
}
