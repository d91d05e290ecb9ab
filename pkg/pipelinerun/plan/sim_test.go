package plan

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/workload"
)

var t0 = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

// outcome is how a simulated attempt of a task ends.
type outcome struct {
	exit    int32
	message string
}

// sim plays the controller and the cluster around Plan: pods it asks for
// are Running at once, and end when the test says so.
type sim struct {
	t     *testing.T
	run   *ml.PipelineRun
	pods  map[string]workload.ReplicaStatus
	now   time.Time
	cache Cache
	// maxForEach is Input.MaxForEachItems.
	maxForEach int32
	// whenCELCost is Input.WhenCELCostLimit.
	whenCELCost int64
	// script says how attempt n (from 1) of a status entry ends; entries
	// without a script succeed without outputs.
	script func(entry string, attempt int) outcome
	// started lists pod names in the order they were asked for.
	started []string
	last    *Result
}

func newSim(t *testing.T, spec *ml.PipelineSpec, params ...ml.Param) *sim {
	run := mltesting.MakePipelineRun("r", "ns").PipelineSpec(spec).Obj()
	run.Status.PipelineSpec = spec.DeepCopy()
	run.Status.Params = params
	return &sim{t: t, run: run, pods: map[string]workload.ReplicaStatus{}, now: t0,
		script: func(string, int) outcome { return outcome{} }}
}

// plan runs one plan and applies it: created pods run, deleted pods go.
func (s *sim) plan() *Result {
	s.t.Helper()
	res := Plan(Input{Run: s.run, Pods: maps.Clone(s.pods), Now: s.now, Cache: s.cache, MaxForEachItems: s.maxForEach, WhenCELCostLimit: s.whenCELCost})
	s.run.Status = res.Status
	for _, d := range res.Delete {
		delete(s.pods, d.PodName)
	}
	for _, c := range res.Create {
		if _, ok := s.pods[c.PodName]; ok {
			continue
		}
		s.started = append(s.started, c.PodName)
		s.pods[c.PodName] = workload.ReplicaStatus{Name: c.PodName, UID: "uid-" + c.PodName, Phase: workload.PhaseRunning}
	}
	s.last = res
	return res
}

// endRunning ends every running pod as the script says.
func (s *sim) endRunning() {
	for _, e := range s.run.Status.Tasks {
		if e.Phase != ml.TaskRunning {
			continue
		}
		pod, ok := s.pods[e.PodName]
		if !ok || pod.Finished() {
			continue
		}
		o := s.script(e.Name, len(e.Attempts))
		s.end(e.PodName, o.exit, o.message)
	}
}

// end ends pod name with an exit code and termination message.
func (s *sim) end(name string, exit int32, message string) {
	s.t.Helper()
	pod, ok := s.pods[name]
	if !ok {
		s.t.Fatalf("no pod %s", name)
	}
	pod.Phase = workload.PhaseSucceeded
	if exit != 0 {
		pod.Phase = workload.PhaseFailed
		pod.Reason = "Error"
	}
	pod.ExitCode = ptr.To(exit)
	pod.TerminationMessage, pod.Message = message, message
	pod.FinishTime = &metav1.Time{Time: s.now}
	s.pods[name] = pod
}

// runToEnd plans and ends pods, moving the clock to each requested
// requeue, until the run ends; it returns the waves of started pods.
func (s *sim) runToEnd() [][]string {
	s.t.Helper()
	var waves [][]string
	for range 10000 {
		before := len(s.started)
		res := s.plan()
		if res.Finished() {
			return waves
		}
		if len(s.started) > before {
			waves = append(waves, slices.Clone(s.started[before:]))
		}
		if len(res.Create) == 0 && !s.anyRunning() {
			if res.RequeueAfter == 0 {
				s.t.Fatalf("run stuck in phase %s: %s", res.Status.Phase, res.Message)
			}
			s.now = s.now.Add(res.RequeueAfter)
			continue
		}
		s.now = s.now.Add(time.Second)
		s.endRunning()
	}
	s.t.Fatalf("run did not end")
	return nil
}

func (s *sim) anyRunning() bool {
	for _, p := range s.pods {
		if !p.Finished() {
			return true
		}
	}
	return false
}

// task returns the status entry name.
func (s *sim) task(name string) ml.PipelineTaskStatus {
	s.t.Helper()
	for _, e := range s.run.Status.Tasks {
		if e.Name == name {
			return e
		}
	}
	s.t.Fatalf("no task %s in status; have %v", name, s.taskNames())
	return ml.PipelineTaskStatus{}
}

func (s *sim) taskNames() []string {
	var names []string
	for _, e := range s.run.Status.Tasks {
		names = append(names, e.Name)
	}
	return names
}

// phases maps each entry to "Phase" or "Phase/Reason".
func (s *sim) phases() map[string]string {
	out := map[string]string{}
	for _, e := range s.run.Status.Tasks {
		v := string(e.Phase)
		if e.Reason != "" {
			v += "/" + e.Reason
		}
		out[e.Name] = v
	}
	return out
}

// pod returns a created pod's start.
func (s *sim) create(res *Result, podName string) Start {
	s.t.Helper()
	for _, c := range res.Create {
		if c.PodName == podName {
			return c
		}
	}
	s.t.Fatalf("pod %s not created; created %v", podName, podNames(res.Create))
	return Start{}
}

func podNames(cs []Start) []string {
	var names []string
	for _, c := range cs {
		names = append(names, c.PodName)
	}
	return names
}

func task(name string) *mltesting.TaskWrapper { return mltesting.MakeTask(name) }

func pipeline(tasks ...*mltesting.TaskWrapper) *mltesting.PipelineWrapper {
	p := mltesting.MakePipeline("p", "ns")
	for _, t := range tasks {
		p.Tasks(t.Obj())
	}
	return p
}

// chain is n tasks, each depending on the one before.
func chain(n int) *ml.PipelineSpec {
	p := mltesting.MakePipeline("p", "ns")
	for i := range n {
		t := task(fmt.Sprintf("t%d", i))
		if i > 0 {
			t.DependsOn(fmt.Sprintf("t%d", i-1))
		}
		p.Tasks(t.Obj())
	}
	return p.Spec()
}

// wide is a root, n tasks after it and a sink after all of them.
func wide(n int) *ml.PipelineSpec {
	p := mltesting.MakePipeline("p", "ns").Tasks(task("root").Obj())
	sink := task("sink")
	for i := range n {
		name := fmt.Sprintf("w%d", i)
		p.Tasks(task(name).DependsOn("root").Obj())
		sink.DependsOn(name)
	}
	return p.Tasks(sink.Obj()).Spec()
}

func pod(name string) string { return PodName("r", name, 1) }

func paramSpec(name, def string) ml.ParamSpec {
	p := mltesting.MakeParamSpec(name)
	if def != "" {
		p.Default(def)
	}
	return p.Obj()
}

func paramOf(name, value string) ml.Param { return ml.Param{Name: name, Value: value} }
