package mlquota

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/plan"
)

// A PipelineRun holds, from its create until it ends, what its task pods
// can hold at the same time: for each quota key, the heaviest set of tasks
// of its resolved pipeline (status.pipelineSpec) that can all be running
// at once — tasks no one of which waits for another, directly or through
// others (an antichain of the DAG) — counting each instance of a forEach
// task. Finally tasks run together once every regular task has ended, so
// they are a set of their own. With spec.parallelism P, no more than P
// task pods run at once, so no key holds more than its P largest task
// pods; of the two bounds the smaller is held. (Which P pods of the
// heaviest antichain weigh most is NP-hard in general: the bound may
// hold more than the run ever can, never less.) Keys are bounded each on
// its own, as ResourceQuota limits each on its own.
//
// Which tasks run and how many instances a forEach task has are the
// planner's (package pipelinerun/plan) decision on the run as created: root tasks
// whose when expressions do not hold on the params are skipped and hold
// nothing; a forEach over literal items or a param has one instance per
// item. A forEach over an upstream task's output has a list nobody knows
// at admission: it counts as spec.parallelism instances when that is set
// (no more can run at once), else as one; its other instances are left to
// ResourceQuota when their pods are created.

// planTime is the time of the plan that lays a run out. Only the run's
// shape matters, not when it runs.
var planTime = time.Unix(0, 0)

// maxListed caps the tasks a message lists.
const maxListed = 6

// runPeak is the demand of a PipelineRun.
type runPeak struct {
	c   charge
	why map[corev1.ResourceName]string
}

func (r runPeak) charge() charge {
	if r.c == nil {
		return charge{}
	}
	return r.c
}

func (r runPeak) explain(key corev1.ResourceName) string { return r.why[key] }

// taskPods is what one task of a run may run at once.
type taskPods struct {
	name    string
	finally bool
	// pods is the task's instances (1 unless forEach); 0 when it will not
	// run.
	pods int64
	// unknown marks a forEach over an upstream output, counted as pods.
	unknown bool
	perPod  charge
	// deps are the regular tasks it waits for, by index.
	deps []int
}

// peakOf returns what run's task pods can hold at once; a finished run,
// or one without a pipeline, holds nothing.
func peakOf(run *ml.PipelineRun) runPeak {
	if plan.IsFinished(run.Status.Phase) {
		return runPeak{}
	}
	spec, params := run.Status.PipelineSpec, run.Status.Params
	if spec == nil {
		// Not resolved by PipelineRunResolve (disabled): an inline
		// pipeline is all there is to go by.
		spec, params = run.Spec.PipelineSpec, run.Spec.Params
	}
	if spec == nil {
		return runPeak{}
	}
	var parallelism int64
	if p := run.Spec.Parallelism; p != nil && *p > 0 {
		parallelism = int64(*p)
	}
	tasks := runTasks(run, spec, params, parallelism)
	keys := map[corev1.ResourceName]bool{}
	for _, t := range tasks {
		if t.pods > 0 {
			for k := range t.perPod {
				keys[k] = true
			}
		}
	}
	peak := runPeak{c: charge{}, why: map[corev1.ResourceName]string{}}
	g := &runGraph{tasks: tasks, deps: make([][]int, len(tasks))}
	for i := range tasks {
		if !tasks[i].finally {
			g.deps[i] = tasks[i].deps
		}
	}
	for key := range keys {
		best := g.peakOfKey(key, false, parallelism)
		if fin := g.peakOfKey(key, true, parallelism); fin.total.Cmp(best.total) > 0 {
			best = fin
		}
		if best.total.Sign() > 0 {
			peak.c[key] = best.total
			peak.why[key] = best.describe(key)
		}
	}
	return peak
}

// runTasks lays the run out as the planner does at its start and returns
// its tasks, regular then finally, with the instances each may run.
func runTasks(run *ml.PipelineRun, spec *ml.PipelineSpec, params []ml.Param, parallelism int64) []taskPods {
	// A suspended run starts nothing yet but will: plan it as running.
	runSpec := run.Spec
	runSpec.Suspend = false
	res := plan.Plan(plan.Input{
		Run: &ml.PipelineRun{
			ObjectMeta: metav1.ObjectMeta{Name: run.Name, Namespace: run.Namespace},
			Spec:       runSpec,
			Status:     ml.PipelineRunStatus{PipelineSpec: spec, Params: params, Tasks: reusedTasks(run)},
		},
		Now: planTime,
	})
	pods := map[string]int64{}
	placeholder := map[string]bool{}
	for i := range res.Status.Tasks {
		e := &res.Status.Tasks[i]
		if plan.IsTerminal(e.Phase) {
			continue // skipped, no items, or invalid: runs no pod
		}
		task := e.Task
		if task == "" {
			task = e.Name
		}
		pods[task]++
		if e.Name == task {
			placeholder[task] = true
		}
	}

	byName := make(map[string]int, len(spec.Tasks))
	for i := range spec.Tasks {
		if _, dup := byName[spec.Tasks[i].Name]; !dup {
			byName[spec.Tasks[i].Name] = i
		}
	}
	out := make([]taskPods, 0, len(spec.Tasks)+len(spec.Finally))
	seen := map[string]bool{}
	add := func(t *ml.PipelineTask, finally bool) {
		tp := taskPods{name: t.Name, finally: finally, perPod: shape{replicas: 1, resources: t.Resources}.charge()}
		if !seen[t.Name] { // the planner ignores all but the first of a name
			seen[t.Name] = true
			tp.pods = pods[t.Name]
			if t.ForEach != nil && placeholder[t.Name] && tp.pods > 0 {
				tp.unknown, tp.pods = true, max(parallelism, 1)
			}
			// forEach.parallelism bounds the instances running at once.
			if t.ForEach != nil && t.ForEach.Parallelism != nil && tp.pods > int64(*t.ForEach.Parallelism) {
				tp.pods = int64(*t.ForEach.Parallelism)
			}
		}
		out = append(out, tp)
	}
	for i := range spec.Tasks {
		t := &spec.Tasks[i]
		add(t, false)
		for _, d := range validation.DependenciesOf(*t) {
			if j, ok := byName[d]; ok && j != i {
				out[i].deps = append(out[i].deps, j)
			}
		}
	}
	for i := range spec.Finally {
		add(&spec.Finally[i], true)
	}
	return out
}

// keyPeak is the peak of one key over one set of tasks.
type keyPeak struct {
	total resource.Quantity
	// tasks are the indices of the tasks counted, with pods each.
	tasks []int
	pods  map[int]int64
	all   []taskPods
	// how says how the set was chosen, to start the message.
	how string
}

// runGraph is a run's tasks and their dependencies, with the heaviest
// antichains already found: keys often weigh the tasks alike (requests
// and limits of one resource; pods), and finding one takes a flow.
type runGraph struct {
	tasks []taskPods
	deps  [][]int
	found []antichain
}

type antichain struct {
	weights []int64
	set     []int
}

// antichain is the heaviest antichain for weights.
func (g *runGraph) antichain(weights []int64) []int {
	for _, a := range g.found {
		if slices.Equal(a.weights, weights) {
			return a.set
		}
	}
	_, set := maxAntichain(weights, g.deps)
	g.found = append(g.found, antichain{weights: weights, set: set})
	return set
}

// peakOfKey is the most of key the regular (or the finally) tasks can hold
// at once.
func (g *runGraph) peakOfKey(key corev1.ResourceName, finally bool, parallelism int64) keyPeak {
	tasks := g.tasks
	var idx []int
	for i, t := range tasks {
		if t.finally == finally && t.pods > 0 {
			if q, ok := t.perPod[key]; ok && q.Sign() > 0 {
				idx = append(idx, i)
			}
		}
	}
	if len(idx) == 0 {
		return keyPeak{}
	}

	// All at once, as finally tasks run; for regular tasks, the heaviest
	// antichain.
	at := keyPeak{all: tasks, pods: map[int]int64{}, how: "tasks that can run at once"}
	if finally {
		at.how = "finally tasks, which run at once"
		at.tasks = idx
	} else if weights, ok := weightsOf(tasks, key, idx); ok {
		at.tasks = g.antichain(weights)
	} else {
		// Amounts too large to weigh exactly: count every task.
		at.tasks = idx
	}
	for _, i := range at.tasks {
		at.pods[i] = tasks[i].pods
	}
	at.sum(key)
	if parallelism == 0 {
		return at
	}

	// The parallelism largest task pods.
	top := keyPeak{all: tasks, pods: map[int]int64{}, how: fmt.Sprintf("the largest %d task pods, as spec.parallelism runs no more at once", parallelism)}
	if finally {
		top.how = fmt.Sprintf("the largest %d finally task pods, as spec.parallelism runs no more at once", parallelism)
	}
	sorted := append([]int(nil), idx...)
	sort.SliceStable(sorted, func(a, b int) bool {
		qa, qb := tasks[sorted[a]].perPod[key], tasks[sorted[b]].perPod[key]
		return qa.Cmp(qb) > 0
	})
	left := parallelism
	for _, i := range sorted {
		if left == 0 {
			break
		}
		n := min(left, tasks[i].pods)
		top.tasks = append(top.tasks, i)
		top.pods[i] = n
		left -= n
	}
	sort.Ints(top.tasks)
	top.sum(key)
	if top.total.Cmp(at.total) < 0 {
		return top
	}
	return at
}

// weightsOf are what the tasks hold of key in one integer unit (the
// amounts' own, or thousandths when some are fractional), and false when
// they are too large to add up in an int64.
func weightsOf(tasks []taskPods, key corev1.ResourceName, idx []int) ([]int64, bool) {
	milli := false
	for _, i := range idx {
		q := tasks[i].perPod[key]
		if q.MilliValue()%1000 != 0 {
			milli = true
		}
	}
	const limit = math.MaxInt64 / 4
	weights := make([]int64, len(tasks))
	var total int64
	for _, i := range idx {
		q := tasks[i].perPod[key]
		v, ok := q.AsInt64()
		if milli {
			v, ok = q.MilliValue(), q.Cmp(*resource.NewQuantity(limit/1000, resource.DecimalSI)) < 0
		}
		if !ok || v <= 0 || v > limit/tasks[i].pods {
			return nil, false
		}
		w := v * tasks[i].pods
		if total > limit-w {
			return nil, false
		}
		weights[i] = w
		total += w
	}
	return weights, true
}

// sum sets k.total from its tasks.
func (k *keyPeak) sum(key corev1.ResourceName) {
	k.total = resource.Quantity{}
	for _, i := range k.tasks {
		q := k.all[i].perPod[key].DeepCopy()
		q.Mul(k.pods[i])
		k.total.Add(q)
	}
}

// describe lists, for messages, the tasks of k and what each holds.
func (k keyPeak) describe(key corev1.ResourceName) string {
	var parts []string
	for n, i := range k.tasks {
		if n == maxListed {
			parts = append(parts, fmt.Sprintf("and %d more", len(k.tasks)-maxListed))
			break
		}
		t := k.all[i]
		s := fmt.Sprintf("%s %d", t.name, k.pods[i])
		if key != corev1.ResourcePods {
			q := t.perPod[key]
			s += " x " + q.String()
		}
		if t.unknown {
			s += fmt.Sprintf(" (forEach over an upstream output, counted as %d)", t.pods)
		}
		parts = append(parts, s)
	}
	return k.how + ": " + strings.Join(parts, ", ")
}

// reusedTasks are the tasks a retry took from the run it retries (see
// plan.Reused), which never run: with the other instances of a forEach
// task of which some were reused, they are where the retry starts.
func reusedTasks(run *ml.PipelineRun) []ml.PipelineTaskStatus {
	if run.Spec.RetryOf == nil {
		return nil
	}
	reused := map[string]bool{}
	for _, e := range run.Status.Tasks {
		if e.Reason == plan.ReasonReused {
			reused[e.Task] = true
		}
	}
	var tasks []ml.PipelineTaskStatus
	for _, e := range run.Status.Tasks {
		if reused[e.Task] {
			t := ml.PipelineTaskStatus{Name: e.Name, Task: e.Task, Item: e.Item, Phase: ml.TaskPending}
			if e.Reason == plan.ReasonReused {
				t.Phase, t.Reason = ml.TaskSucceeded, plan.ReasonReused
			}
			tasks = append(tasks, t)
		}
	}
	return tasks
}
