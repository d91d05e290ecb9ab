package mlquota

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/admission/admissiontest"
	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/plan"
)

// gpuTask is a task whose pod asks for gpus GPUs.
func gpuTask(name, gpus string) *mltesting.TaskWrapper {
	return mltesting.MakeTask(name).Limit(gpu, gpus)
}

// tasks builds a task list.
func tasks(ts ...*mltesting.TaskWrapper) []ml.PipelineTask {
	out := make([]ml.PipelineTask, len(ts))
	for i, t := range ts {
		out[i] = t.Obj()
	}
	return out
}

// runOf is a run of an inline pipeline as PipelineRunResolve leaves it:
// the pipeline snapshotted into status.pipelineSpec, the params into
// status.params.
type runOf struct {
	name          string
	tasks         []ml.PipelineTask
	finally       []ml.PipelineTask
	declared      []ml.ParamSpec
	params        []ml.Param
	parallelism   int32
	phase         ml.PipelineRunPhase
	suspend, stop bool
}

func (r runOf) Obj() *ml.PipelineRun {
	name := r.name
	if name == "" {
		name = "run"
	}
	spec := mltesting.MakePipeline(name, ns).Params(r.declared...).Tasks(r.tasks...).Finally(r.finally...).Spec()
	w := mltesting.MakePipelineRun(name, ns).PipelineSpec(spec).Suspend(r.suspend).Cancel(r.stop)
	for _, p := range r.params {
		w.Param(p.Name, p.Value)
	}
	if r.parallelism > 0 {
		w.Parallelism(r.parallelism)
	}
	run := w.Obj()
	run.Status.PipelineSpec = spec.DeepCopy()
	run.Status.Params = append([]ml.Param(nil), r.params...)
	run.Status.Phase = r.phase
	run.UID = types.UID("uid-" + name)
	return run
}

func TestPeakOfPipelineRun(t *testing.T) {
	fanOut := func(n int) []ml.PipelineTask {
		ts := []*mltesting.TaskWrapper{gpuTask("prep", "1")}
		var names []string
		for i := range n {
			name := fmt.Sprintf("train-%d", i)
			names = append(names, name)
			ts = append(ts, gpuTask(name, "1").DependsOn("prep"))
		}
		ts = append(ts, gpuTask("join", "1").DependsOn(names...))
		return tasks(ts...)
	}
	listParam := []ml.ParamSpec{mltesting.MakeParamSpec("lrs").Type(ml.ParamTypeList).Obj()}
	tests := map[string]struct {
		run runOf
		// want is the charge; why what the message says of each key.
		want string
		why  map[corev1.ResourceName]string
	}{
		"chain: one task at a time": {
			run: runOf{tasks: tasks(
				gpuTask("a", "2"),
				gpuTask("b", "2").DependsOn("a"),
				gpuTask("c", "2").DependsOn("b"),
			)},
			want: "limits.nvidia.com/gpu=2,pods=1,requests.nvidia.com/gpu=2",
		},
		"chain through outputs: one task at a time": {
			run: runOf{tasks: tasks(
				gpuTask("a", "2").Outputs("model"),
				gpuTask("b", "3").Args("$(tasks.a.outputs.model)"),
			)},
			want: "limits.nvidia.com/gpu=3,pods=1,requests.nvidia.com/gpu=3",
			why:  map[corev1.ResourceName]string{"requests.nvidia.com/gpu": "tasks that can run at once: b 1 x 3"},
		},
		"diamond: the two middle tasks": {
			run: runOf{tasks: tasks(
				gpuTask("a", "4"),
				gpuTask("b", "3").DependsOn("a"),
				gpuTask("c", "3").DependsOn("a"),
				gpuTask("d", "4").DependsOn("b", "c"),
			)},
			want: "limits.nvidia.com/gpu=6,pods=2,requests.nvidia.com/gpu=6",
			why: map[corev1.ResourceName]string{
				"requests.nvidia.com/gpu": "tasks that can run at once: b 1 x 3, c 1 x 3",
				"pods":                    "tasks that can run at once: b 1, c 1",
			},
		},
		// Not one level of the DAG: b can still be running when e starts.
		"tasks at different depths overlap": {
			run: runOf{tasks: tasks(
				gpuTask("a", "1"),
				gpuTask("b", "4").DependsOn("a"),
				gpuTask("c", "1"),
				gpuTask("d", "1").DependsOn("c"),
				gpuTask("e", "4").DependsOn("d"),
			)},
			want: "limits.nvidia.com/gpu=8,pods=2,requests.nvidia.com/gpu=8",
			why:  map[corev1.ResourceName]string{"requests.nvidia.com/gpu": "tasks that can run at once: b 1 x 4, e 1 x 4"},
		},
		"wide fan-out": {
			run:  runOf{tasks: fanOut(10)},
			want: "limits.nvidia.com/gpu=10,pods=10,requests.nvidia.com/gpu=10",
			why: map[corev1.ResourceName]string{"requests.nvidia.com/gpu": "tasks that can run at once: " +
				"train-0 1 x 1, train-1 1 x 1, train-2 1 x 1, train-3 1 x 1, train-4 1 x 1, train-5 1 x 1, and 4 more"},
		},
		"parallelism caps a wide fan-out": {
			run:  runOf{tasks: fanOut(10), parallelism: 3},
			want: "limits.nvidia.com/gpu=3,pods=3,requests.nvidia.com/gpu=3",
			why: map[corev1.ResourceName]string{
				"requests.nvidia.com/gpu": "the largest 3 task pods, as spec.parallelism runs no more at once: prep 1 x 1, train-0 1 x 1, train-1 1 x 1",
			},
		},
		"parallelism above the width changes nothing": {
			run:  runOf{tasks: fanOut(10), parallelism: 20},
			want: "limits.nvidia.com/gpu=10,pods=10,requests.nvidia.com/gpu=10",
		},
		"parallelism counts the largest pods": {
			run: runOf{parallelism: 2, tasks: tasks(
				gpuTask("small", "1"),
				gpuTask("big", "4"),
				gpuTask("mid", "2"),
			)},
			want: "limits.nvidia.com/gpu=6,pods=2,requests.nvidia.com/gpu=6",
			why:  map[corev1.ResourceName]string{"requests.nvidia.com/gpu": "the largest 2 task pods, as spec.parallelism runs no more at once: big 1 x 4, mid 1 x 2"},
		},
		"finally tasks run together after the others": {
			run: runOf{
				tasks:   tasks(gpuTask("a", "1"), gpuTask("b", "1").DependsOn("a")),
				finally: tasks(gpuTask("report", "2"), gpuTask("notify", "2")),
			},
			want: "limits.nvidia.com/gpu=4,pods=2,requests.nvidia.com/gpu=4",
			why:  map[corev1.ResourceName]string{"requests.nvidia.com/gpu": "finally tasks, which run at once: report 1 x 2, notify 1 x 2"},
		},
		"finally tasks lighter than the DAG": {
			run: runOf{
				tasks:   tasks(gpuTask("a", "3"), gpuTask("b", "3")),
				finally: tasks(gpuTask("notify", "1")),
			},
			want: "limits.nvidia.com/gpu=6,pods=2,requests.nvidia.com/gpu=6",
		},
		"forEach over literal items: one pod per item": {
			run: runOf{tasks: tasks(
				gpuTask("prep", "1"),
				gpuTask("train", "2").ForEachItems("a", "b", "c").DependsOn("prep"),
			)},
			want: "limits.nvidia.com/gpu=6,pods=3,requests.nvidia.com/gpu=6",
			why:  map[corev1.ResourceName]string{"requests.nvidia.com/gpu": "tasks that can run at once: train 3 x 2"},
		},
		"forEach over a param": {
			run: runOf{
				declared: listParam,
				params:   []ml.Param{{Name: "lrs", Value: `["0.1","0.01","0.001","0.0001"]`}},
				tasks:    tasks(gpuTask("train", "1").ForEachFrom("$(params.lrs)")),
			},
			want: "limits.nvidia.com/gpu=4,pods=4,requests.nvidia.com/gpu=4",
		},
		"forEach over an empty param runs nothing": {
			run: runOf{
				declared: listParam,
				params:   []ml.Param{{Name: "lrs", Value: `[]`}},
				tasks:    tasks(gpuTask("train", "1").ForEachFrom("$(params.lrs)")),
			},
			want: "",
		},
		"forEach over a param, capped by parallelism": {
			run: runOf{
				declared: listParam, parallelism: 2,
				params: []ml.Param{{Name: "lrs", Value: `["0.1","0.01","0.001","0.0001"]`}},
				tasks:  tasks(gpuTask("train", "1").ForEachFrom("$(params.lrs)")),
			},
			want: "limits.nvidia.com/gpu=2,pods=2,requests.nvidia.com/gpu=2",
		},
		"forEach over literal items, capped by forEach.parallelism": {
			run:  runOf{tasks: tasks(gpuTask("train", "2").ForEachItems("a", "b", "c", "d", "e").ForEachParallelism(2))},
			want: "limits.nvidia.com/gpu=4,pods=2,requests.nvidia.com/gpu=4",
		},
		"forEach over an upstream output, capped by forEach.parallelism": {
			run: runOf{parallelism: 3, tasks: tasks(
				gpuTask("split", "1").Outputs("shards"),
				gpuTask("train", "4").ForEachFrom("$(tasks.split.outputs.shards)").ForEachParallelism(1),
			)},
			want: "limits.nvidia.com/gpu=4,pods=1,requests.nvidia.com/gpu=4",
		},
		"forEach over an upstream output: one instance": {
			run: runOf{tasks: tasks(
				gpuTask("split", "1").Outputs("shards"),
				gpuTask("train", "4").ForEachFrom("$(tasks.split.outputs.shards)"),
			)},
			want: "limits.nvidia.com/gpu=4,pods=1,requests.nvidia.com/gpu=4",
			why:  map[corev1.ResourceName]string{"requests.nvidia.com/gpu": "tasks that can run at once: train 1 x 4 (forEach over an upstream output, counted as 1)"},
		},
		"forEach over an upstream output: as many as parallelism": {
			run: runOf{parallelism: 3, tasks: tasks(
				gpuTask("split", "1").Outputs("shards"),
				gpuTask("train", "4").ForEachFrom("$(tasks.split.outputs.shards)"),
			)},
			want: "limits.nvidia.com/gpu=12,pods=3,requests.nvidia.com/gpu=12",
		},
		"a task whose when does not hold on the params holds nothing": {
			run: runOf{
				declared: []ml.ParamSpec{mltesting.MakeParamSpec("gpu").Obj()},
				params:   []ml.Param{{Name: "gpu", Value: "no"}},
				tasks: tasks(
					mltesting.MakeTask("cpu-train").Request(corev1.ResourceCPU, "2"),
					gpuTask("gpu-train", "8").When("$(params.gpu)", ml.WhenOperatorIn, "yes"),
				),
			},
			want: "pods=1,requests.cpu=2",
		},
		"cpu in thousandths": {
			run: runOf{tasks: tasks(
				mltesting.MakeTask("a").Request(corev1.ResourceCPU, "500m"),
				mltesting.MakeTask("b").Request(corev1.ResourceCPU, "1"),
				mltesting.MakeTask("c").Request(corev1.ResourceCPU, "250m").DependsOn("a", "b"),
			)},
			want: "pods=2,requests.cpu=1500m",
		},
		"a suspended run holds what it will run": {
			run:  runOf{suspend: true, tasks: fanOut(2)},
			want: "limits.nvidia.com/gpu=2,pods=2,requests.nvidia.com/gpu=2",
		},
		"a finished run holds nothing": {
			run:  runOf{phase: ml.PipelineRunSucceeded, tasks: fanOut(2)},
			want: "",
		},
		"a canceled run holds its finally tasks only": {
			run:  runOf{stop: true, tasks: fanOut(4), finally: tasks(gpuTask("cleanup", "1"))},
			want: "limits.nvidia.com/gpu=1,pods=1,requests.nvidia.com/gpu=1",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			d, ok := shapeOf(tc.run.Obj())
			if !ok {
				t.Fatal("a PipelineRun holds no quota")
			}
			if diff := cmp.Diff(tc.want, d.charge().String()); diff != "" {
				t.Errorf("charge (-want +got):\n%s", diff)
			}
			for key, want := range tc.why {
				if got := d.explain(key); got != want {
					t.Errorf("explain(%s) = %q, want %q", key, got, want)
				}
			}
		})
	}
}

// TestMaxAntichain checks the flow against every subset of small DAGs.
func TestMaxAntichain(t *testing.T) {
	// reach[i][j]: j waits for i, directly or not.
	graphs := []struct {
		weights []int64
		deps    [][]int
	}{
		{[]int64{5, 1, 5}, [][]int{nil, {0}, {1}}},
		{[]int64{1, 5, 1}, [][]int{nil, {0}, {1}}},
		{[]int64{1, 4, 1, 1, 4}, [][]int{nil, {0}, nil, {2}, {3}}},
		{[]int64{2, 3, 3, 7, 1, 0}, [][]int{nil, {0}, {0}, {1, 2}, {2}, {4}}},
		{[]int64{3, 0, 3, 2, 2}, [][]int{nil, {0}, {1}, {1}, nil}},
		{[]int64{1, 1, 1, 1, 1, 1, 1}, [][]int{nil, {0}, {0}, {0}, {1, 2, 3}, {4}, {4}}},
	}
	for gi, g := range graphs {
		n := len(g.weights)
		reach := make([][]bool, n)
		for i := range reach {
			reach[i] = make([]bool, n)
		}
		// deps point backwards here, so one pass in index order closes it.
		for j := range n {
			for _, d := range g.deps[j] {
				reach[d][j] = true
				for i := range n {
					if reach[i][d] {
						reach[i][j] = true
					}
				}
			}
		}
		var best int64
		for set := 0; set < 1<<n; set++ {
			var w int64
			ok := true
			for i := 0; i < n && ok; i++ {
				for j := 0; j < n && ok; j++ {
					if set&(1<<i) != 0 && set&(1<<j) != 0 && reach[i][j] {
						ok = false
					}
				}
				if set&(1<<i) != 0 {
					w += g.weights[i]
				}
			}
			if ok && w > best {
				best = w
			}
		}
		got, set := maxAntichain(g.weights, g.deps)
		var setWeight int64
		for _, i := range set {
			setWeight += g.weights[i]
			for _, j := range set {
				if reach[i][j] {
					t.Errorf("graph %d: %d and %d of the antichain %v are ordered", gi, i, j, set)
				}
			}
		}
		if got != best || setWeight != best {
			t.Errorf("graph %d: weight %d, set %v of %d; want %d", gi, got, set, setWeight, best)
		}
	}
}

// A retry is charged for the tasks it runs again, not those it reused.
func TestPeakOfRetry(t *testing.T) {
	run := runOf{tasks: tasks(
		gpuTask("prep", "4"),
		gpuTask("fit", "1").ForEachItems("a", "b", "c").DependsOn("prep"),
	)}.Obj()
	run.Spec.PipelineSpec, run.Spec.RetryOf = nil, &ml.LocalObjectReference{Name: "failed"}
	if got := peakOf(run).c.String(); got != "limits.nvidia.com/gpu=4,pods=3,requests.nvidia.com/gpu=4" {
		t.Fatalf("before anything is reused: %s", got)
	}
	run.Status.Tasks = []ml.PipelineTaskStatus{
		{Name: "prep", Task: "prep", Phase: ml.TaskSucceeded, Reason: plan.ReasonReused},
		{Name: "fit-0", Task: "fit", Item: "a", Phase: ml.TaskSucceeded, Reason: plan.ReasonReused},
		{Name: "fit-1", Task: "fit", Item: "b", Phase: ml.TaskPending},
		{Name: "fit-2", Task: "fit", Item: "c", Phase: ml.TaskSucceeded, Reason: plan.ReasonReused},
	}
	if got, want := peakOf(run).c.String(), "limits.nvidia.com/gpu=1,pods=1,requests.nvidia.com/gpu=1"; got != want {
		t.Errorf("retry that runs fit-1 again: %s, want %s", got, want)
	}
}

func TestPeakMessageListsUnknownFanOut(t *testing.T) {
	d, _ := shapeOf(runOf{tasks: tasks(
		gpuTask("split", "1").Outputs("shards"),
		gpuTask("train", "4").ForEachFrom("$(tasks.split.outputs.shards)"),
	)}.Obj())
	if why := d.explain("pods"); !strings.Contains(why, "counted as 1") {
		t.Errorf("explain(pods) = %q, want it to say the fan-out is counted as 1", why)
	}
}

func createRun(t *testing.T, f *fixture, run *ml.PipelineRun) error {
	t.Helper()
	return f.do(t, admissiontest.Request{Operation: admission.Create, Resource: "pipelineruns", Kind: "PipelineRun", Name: run.Name, Object: run})
}

// threeAtOnce is a run of three independent tasks of 4 GPUs each, under
// name.
func threeAtOnce(name string) runOf {
	return runOf{name: name, tasks: tasks(gpuTask("a", "4"), gpuTask("b", "4"), gpuTask("c", "4"))}
}

func TestPipelineRunCreate(t *testing.T) {
	f := newFixtureOf(t, true, []*corev1.ResourceQuota{quota("gpu", "requests.nvidia.com/gpu", "8")})
	wantCode(t, createRun(t, f, threeAtOnce("wide").Obj()), 403,
		`exceeded quota "gpu": requests.nvidia.com/gpu requested 12 (tasks that can run at once: a 1 x 4, b 1 x 4, c 1 x 4), other ml.example.io objects hold 0 of 8, 8 left`)
	if used, _ := f.used(t, "requests.nvidia.com/gpu"); used != "" {
		t.Errorf("a refused run left a record of %s GPUs", used)
	}

	capped := threeAtOnce("capped")
	capped.parallelism = 2
	if err := createRun(t, f, capped.Obj()); err != nil {
		t.Fatalf("a run of parallelism 2 x 4 GPUs against 8: %v", err)
	}
	if used, pending := f.used(t, "requests.nvidia.com/gpu"); used != "8" || !cmp.Equal(pending, []string{"pipelineruns.capped"}) {
		t.Errorf("record says %s GPUs used, pending %v; want 8, [pipelineruns.capped]", used, pending)
	}
	wantCode(t, createRun(t, f, runOf{name: "one", tasks: tasks(gpuTask("a", "1"))}.Obj()), 403,
		"requested 1 (tasks that can run at once: a 1 x 1), other ml.example.io objects hold 8 of 8, 0 left")
	// A run that asks for no GPU is not refused for them.
	if err := createRun(t, f, runOf{name: "cpu", tasks: tasks(mltesting.MakeTask("a").Request(corev1.ResourceCPU, "1"))}.Obj()); err != nil {
		t.Errorf("a run without GPUs: %v", err)
	}
}

func TestPipelineRunUpdate(t *testing.T) {
	f := newFixtureOf(t, true, []*corev1.ResourceQuota{quota("gpu", "requests.nvidia.com/gpu", "8")})
	old := threeAtOnce("r")
	old.parallelism = 1
	if err := createRun(t, f, old.Obj()); err != nil {
		t.Fatal(err)
	}
	update := func(from, to runOf) error {
		return f.do(t, admissiontest.Request{Operation: admission.Update, Resource: "pipelineruns", Kind: "PipelineRun", Name: "r", Object: to.Obj(), Old: from.Obj()})
	}
	raised := old
	raised.parallelism = 3
	wantCode(t, update(old, raised), 403, "requested 12 (tasks that can run at once: a 1 x 4, b 1 x 4, c 1 x 4), other ml.example.io objects hold 0 of 8, 8 left")
	raised.parallelism = 2
	if err := update(old, raised); err != nil {
		t.Fatalf("parallelism 1 -> 2: %v", err)
	}
	if used, _ := f.used(t, "requests.nvidia.com/gpu"); used != "8" {
		t.Errorf("record says %s GPUs used, want 8", used)
	}
	writes := f.cms.writeCount()
	if err := update(raised, old); err != nil {
		t.Fatalf("parallelism 2 -> 1: %v", err)
	}
	if f.cms.writeCount() != writes {
		t.Error("a decrease wrote the record; the reconciler records decreases")
	}
}

// TestPipelineRunRelease: a run gives its quota back when it finishes (at
// the next recount) and when it is deleted (at once).
func TestPipelineRunRelease(t *testing.T) {
	running := threeAtOnce("running")
	running.parallelism = 1 // holds 4
	f := newFixtureOf(t, true, []*corev1.ResourceQuota{quota("gpu", "requests.nvidia.com/gpu", "8")}, running.Obj())
	wantUsed := func(what, want string) {
		t.Helper()
		if used, _ := f.used(t, "requests.nvidia.com/gpu"); used != want {
			t.Fatalf("%s: record says %s GPUs used, want %s", what, used, want)
		}
	}
	next := threeAtOnce("next")
	next.parallelism = 1
	if err := createRun(t, f, next.Obj()); err != nil {
		t.Fatal(err)
	}
	wantUsed("the record starts with the running run", "8")
	one := runOf{name: "one", tasks: tasks(gpuTask("a", "1"))}
	wantCode(t, createRun(t, f, one.Obj()), 403, "other ml.example.io objects hold 8 of 8, 0 left")

	// The controller writes the run's end.
	done := toV1alpha1(t, running.Obj()).(*mlv1alpha1.PipelineRun)
	done.Status.Phase = mlv1alpha1.PipelineRunSucceeded
	if _, err := f.ml.MlV1alpha1().PipelineRuns(ns).UpdateStatus(t.Context(), done, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the informer shows the run finished", func() bool {
		r, err := f.p.runs.PipelineRuns(ns).Get("running")
		return err == nil && r.Status.Phase == mlv1alpha1.PipelineRunSucceeded
	})
	f.p.reconcileAll(t.Context())
	wantUsed("after the run finished", "4") // next, admitted, still in flight
	if err := createRun(t, f, one.Obj()); err != nil {
		t.Fatalf("create after a run finished: %v", err)
	}
	wantUsed("after one more", "5")

	if err := f.do(t, admissiontest.Request{Operation: admission.Delete, Resource: "pipelineruns", Kind: "PipelineRun", Name: "next", Old: next.Obj()}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	wantUsed("after the delete", "1")
}

// TestConcurrentPipelineRunCreates: 20 runs of a 1-GPU task at once
// against room for 10 admit exactly 10.
func TestConcurrentPipelineRunCreates(t *testing.T) {
	f := newFixtureOf(t, true, []*corev1.ResourceQuota{quota("gpu", "requests.nvidia.com/gpu", "10")})
	admitted := createAtOnce(t, 20, func(i int) error {
		return createRun(t, f, runOf{name: fmt.Sprintf("r%d", i), tasks: tasks(gpuTask("train", "1"))}.Obj())
	})
	if admitted != 10 {
		t.Errorf("admitted %d of 20 against room for 10", admitted)
	}
	if used, pending := f.used(t, "requests.nvidia.com/gpu"); used != "10" || len(pending) != 10 {
		t.Errorf("record says %s used with %d pending entries, want 10 and 10", used, len(pending))
	}
}

// eventually polls cond with a generous deadline.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRunChargeRemembered: the charge of a run as informers hold it is
// worked out again when its spec changes (a new generation) and is nothing
// once it ended.
func TestRunChargeRemembered(t *testing.T) {
	f := newFixtureOf(t, false, nil)
	run := threeAtOnce("r")
	run.parallelism = 1
	obj := toV1alpha1(t, run.Obj()).(*mlv1alpha1.PipelineRun)
	obj.Generation = 1
	gpus := func(what string, want string) {
		t.Helper()
		_, c, err := f.p.chargeOf(obj)
		if err != nil {
			t.Fatal(err)
		}
		if got := c["requests.nvidia.com/gpu"]; got.String() != want {
			t.Errorf("%s: charge of %s GPUs, want %s", what, got.String(), want)
		}
	}
	gpus("parallelism 1", "4")
	obj.Spec.Parallelism, obj.Generation = ptr.To[int32](3), 2
	gpus("parallelism raised", "12")
	obj.Status.Phase = mlv1alpha1.PipelineRunFailed
	gpus("ended", "0")
}
