package plan

import (
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// Limits that keep a run's status bounded, far below etcd's request limit.
const (
	// MaxRunOutputBytes is the most output text (names and values) the
	// tasks of one run may record; a task whose outputs would pass it
	// fails with OutputsTooLarge.
	MaxRunOutputBytes = 512 * 1024
	// MaxForEachItems is the most instances one forEach task may have
	// unless Input.MaxForEachItems says otherwise (--max-foreach).
	MaxForEachItems = int(validation.DefaultMaxForEachItems)
	// MaxMessageBytes caps every message written to the status.
	MaxMessageBytes = 512
)

// Input is what a plan is made from.
type Input struct {
	// Run is the run, with its snapshot in status.pipelineSpec and its
	// effective params in status.params. Plan does not change it.
	Run *ml.PipelineRun
	// Pods are the run's pods by name, as the workload runtime lists them.
	Pods map[string]workload.ReplicaStatus
	// Now is the time of the plan.
	Now time.Time
	// Cache finds the results of earlier tasks by cache key; nil disables
	// caching.
	Cache Cache
	// MaxForEachItems is the most instances one forEach task may have
	// (--max-foreach, which validation holds literal lists to); a task
	// whose list, from a param or an upstream output, is longer fails.
	// 0 means MaxForEachItems.
	MaxForEachItems int32
	// WhenCELCostLimit is the most a CEL when condition may cost when it
	// is evaluated (--max-when-cel-cost); 0 means
	// validation.DefaultWhenCELCostLimit.
	WhenCELCostLimit int64
}

// Cache finds a Succeeded task with a cache key.
type Cache interface {
	// Lookup returns a Succeeded task whose cache key is key.
	Lookup(key string) (CacheHit, bool)
}

// CacheHit is a Succeeded task a cache key matched.
type CacheHit struct {
	// Run and Task name the run and the status entry of the task.
	Run, Task string
	// Outputs are the task's outputs.
	Outputs []ml.Param
	// Artifacts are the task's output artifacts.
	Artifacts []ml.ArtifactRecord
}

// Result is a plan: the run's new status and what to do to the pods.
type Result struct {
	// Status is the run's new status: phase, start and completion times
	// and tasks change; the rest is copied. Conditions are the caller's.
	Status ml.PipelineRunStatus
	// Reason and Message summarize the run's state for its conditions.
	Reason, Message string
	// Create are the pods to start.
	Create []Start
	// Delete are the pods to delete.
	Delete []Delete
	// RequeueAfter asks for another plan then (a retry's backoff, a
	// timeout, the deadline); 0 means only when something changes.
	RequeueAfter time.Duration
	// Events describe what changed, for after the status was written.
	Events []Event
}

// maxForEachItems is the forEach cap of the plan.
func (in *Input) maxForEachItems() int {
	if in.MaxForEachItems > 0 {
		return int(in.MaxForEachItems)
	}
	return MaxForEachItems
}

// Finished says whether the plan ended the run.
func (r *Result) Finished() bool { return r.Status.CompletionTime != nil }

// Start is one attempt of a task to run as a pod.
type Start struct {
	// Name is the task's status entry: the task, or <task>-<i> for an
	// instance of a forEach task.
	Name string
	// Task is the pipeline task, from the run's snapshot.
	Task *ml.PipelineTask
	// Finally says whether it is a finally task.
	Finally bool
	// PodName is the pod of the attempt.
	PodName string
	// Attempt counts from 1.
	Attempt int
	// Index is the forEach index of an instance, -1 otherwise.
	Index int
	// Command, Args and Env are the task's after substitution.
	Command, Args []string
	Env           []corev1.EnvVar
	// Artifacts are what the pod pulls and pushes, nil for none.
	Artifacts *workload.ArtifactPlan
}

// Delete is a pod to delete.
type Delete struct {
	PodName, UID string
	// Why says why, for events.
	Why string
}

// Event is an event about the run.
type Event struct {
	Type, Reason, Message string
}

// IsTerminal says whether a task in phase has ended.
func IsTerminal(phase ml.TaskPhase) bool {
	switch phase {
	case ml.TaskSucceeded, ml.TaskFailed, ml.TaskSkipped, ml.TaskCanceled:
		return true
	}
	return false
}

// IsFinished says whether a run's phase is one it ends in.
func IsFinished(phase ml.PipelineRunPhase) bool {
	switch phase {
	case ml.PipelineRunSucceeded, ml.PipelineRunFailed, ml.PipelineRunCanceled:
		return true
	}
	return false
}

// PodName is the pod of attempt (from 1) of the status entry task of run:
// <run>-<task>-<attempt>, shortened with a hash of the whole when longer
// than a pod name may be.
func PodName(run, task string, attempt int) string {
	name := fmt.Sprintf("%s-%s-%d", run, task, attempt)
	return shorten(name, 253)
}

// stopKind says why a run stops starting tasks.
type stopKind int

const (
	notStopping stopKind = iota
	stopFailed
	stopDeadline
	stopCanceled
)

// planner holds one plan in the making.
type planner struct {
	in     Input
	run    *ml.PipelineRun
	g      *graph
	now    metav1.Time
	params map[string]string
	res    *Result

	// entries are the new status.tasks; byNode lists the entries of each
	// node of g, expanded whether a forEach node's entries are its
	// instances.
	entries  []ml.PipelineTaskStatus
	byNode   [][]int
	expanded []bool

	stop        stopKind
	stopMessage string
	// running counts attempts in flight, for parallelism.
	running     int
	outputBytes int
	// lost are the running entries whose pod the runtime does not list.
	lost []int
	// startedNow maps entries started in this plan to their Create.
	startedNow map[int]int
}

// Plan decides the next step of a run. The run must have its snapshot
// (status.pipelineSpec); a run that has ended is returned unchanged.
func Plan(in Input) *Result {
	run := in.Run
	// The snapshot is shared, not copied: it is large and nobody writes it.
	res := &Result{Status: run.Status}
	res.Status.Conditions = slices.Clone(run.Status.Conditions)
	res.Status.Params = slices.Clone(run.Status.Params)
	res.Status.StartTime = run.Status.StartTime.DeepCopy()
	res.Status.CompletionTime = run.Status.CompletionTime.DeepCopy()
	if run.Status.CompletionTime != nil && IsFinished(run.Status.Phase) {
		res.Status.Tasks = make([]ml.PipelineTaskStatus, len(run.Status.Tasks))
		for i := range run.Status.Tasks {
			run.Status.Tasks[i].DeepCopyInto(&res.Status.Tasks[i])
		}
		return res
	}
	p := &planner{in: in, run: run, now: metav1.NewTime(in.Now), res: res, startedNow: map[int]int{}}
	if res.Status.StartTime == nil {
		res.Status.StartTime = p.now.DeepCopy()
	}
	spec := run.Status.PipelineSpec
	p.g = compile(spec)
	if p.g.cycle != nil {
		p.failRun(RunReasonInvalidPipeline, "dependency cycle: "+strings.Join(p.g.cycle, " -> "))
		return res
	}
	var err error
	if p.params, err = effectiveParams(spec.Params, run.Status.Params); err != nil {
		p.failRun(RunReasonInvalidPipeline, err.Error())
		return res
	}

	p.layout()
	p.observe()
	p.decideStop()
	p.stopTasks()
	if p.mayStart() {
		for _, ni := range p.g.order {
			p.schedule(ni)
		}
		// A task that failed while being scheduled stops the run.
		p.stopTasks()
	}
	p.recreateLost()
	// Finally tasks run once every regular task has ended, whatever the
	// outcome; only suspend holds them back, unless the run is canceled.
	if !p.run.Spec.Suspend || p.run.Spec.Cancel {
		if p.regularDone() {
			for ni := p.g.regular; ni < len(p.g.nodes); ni++ {
				p.schedule(ni)
			}
		}
	}
	p.finish()
	return res
}

// effectiveParams are the run's params, with the declared defaults of
// those it lacks: status.params already has them when the admission plugin
// wrote it.
func effectiveParams(declared []ml.ParamSpec, given []ml.Param) (map[string]string, error) {
	params := make(map[string]string, len(declared))
	for _, p := range given {
		params[p.Name] = p.Value
	}
	for _, d := range declared {
		if _, ok := params[d.Name]; ok {
			continue
		}
		if d.Default == nil {
			return nil, fmt.Errorf("parameter %q has no value and no default", d.Name)
		}
		params[d.Name] = *d.Default
	}
	return params, nil
}

// failRun ends a run that cannot run at all.
func (p *planner) failRun(reason, message string) {
	st := &p.res.Status
	st.Phase = ml.PipelineRunFailed
	st.CompletionTime = p.now.DeepCopy()
	p.res.Reason, p.res.Message = reason, clip(message, MaxMessageBytes)
	p.event(corev1.EventTypeWarning, reason, "%s", p.res.Message)
}

// layout builds the new task list from the old one: an entry per task, or
// per instance of an expanded forEach task, in the order of the spec.
func (p *planner) layout() {
	old := p.run.Status.Tasks
	byName := make(map[string]int, len(old))
	instances := map[string][]int{}
	for i := range old {
		byName[old[i].Name] = i
		if old[i].Task != "" && old[i].Task != old[i].Name {
			instances[old[i].Task] = append(instances[old[i].Task], i)
		}
	}
	p.entries = make([]ml.PipelineTaskStatus, 0, len(p.g.nodes))
	p.byNode = make([][]int, len(p.g.nodes))
	p.expanded = make([]bool, len(p.g.nodes))
	add := func(ni int, e ml.PipelineTaskStatus) {
		// Servers before cache key v2 recorded tasks served from the
		// cache as Skipped; they are done, with their outputs.
		if e.Phase == ml.TaskSkipped && e.Reason == ReasonCached {
			e.Phase = ml.TaskSucceeded
		}
		p.byNode[ni] = append(p.byNode[ni], len(p.entries))
		p.outputBytes += outputsSize(e.Outputs)
		p.entries = append(p.entries, e)
	}
	for ni := range p.g.nodes {
		t := p.g.nodes[ni].task
		if t.ForEach != nil && len(instances[t.Name]) > 0 {
			for _, i := range instances[t.Name] {
				add(ni, *old[i].DeepCopy())
			}
			p.expanded[ni] = true
			continue
		}
		if i, ok := byName[t.Name]; ok {
			add(ni, *old[i].DeepCopy())
		} else {
			add(ni, ml.PipelineTaskStatus{Name: t.Name, Task: t.Name, Phase: ml.TaskPending})
		}
		// Lists known from the start are expanded at once, so that the
		// run shows every instance from the beginning.
		if fe := t.ForEach; fe != nil && (len(fe.Items) > 0 || strings.HasPrefix(fe.From, "$(params.")) {
			if e := &p.entries[p.byNode[ni][0]]; e.Phase == ml.TaskPending && len(e.Attempts) == 0 {
				p.expand(ni)
			}
		}
	}
}

// event queues an event.
func (p *planner) event(eventType, reason, format string, args ...any) {
	p.res.Events = append(p.res.Events, Event{Type: eventType, Reason: reason, Message: fmt.Sprintf(format, args...)})
}

// requeue asks for a plan after d, keeping the earliest request.
func (p *planner) requeue(d time.Duration) {
	if d <= 0 {
		d = time.Millisecond
	}
	if p.res.RequeueAfter == 0 || d < p.res.RequeueAfter {
		p.res.RequeueAfter = d
	}
}

// nodeOf returns the node of an entry.
func (p *planner) taskOf(e *ml.PipelineTaskStatus) (int, bool) {
	name := e.Task
	if name == "" {
		name = e.Name
	}
	ni, ok := p.g.byName[name]
	return ni, ok
}

// nodeTerminal says whether every entry of node ni has ended.
func (p *planner) nodeTerminal(ni int) bool {
	for _, i := range p.byNode[ni] {
		if !IsTerminal(p.entries[i].Phase) {
			return false
		}
	}
	return true
}

// regularDone says whether every regular task has ended.
func (p *planner) regularDone() bool {
	for ni := 0; ni < p.g.regular; ni++ {
		if !p.nodeTerminal(ni) {
			return false
		}
	}
	return true
}

// mayStart says whether new attempts may start: the run is not stopping
// and not suspended.
func (p *planner) mayStart() bool {
	return p.stop == notStopping && !p.run.Spec.Suspend
}

// capacity is how many more attempts may run now.
func (p *planner) capacity() int {
	par := p.run.Spec.Parallelism
	if par == nil || *par <= 0 {
		return int(^uint(0) >> 1)
	}
	return int(*par) - p.running
}
