package plan

import (
	"fmt"
	"maps"
	"strconv"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// fanOut is a root, a task fanned out over n items after it, and a sink
// reading every instance's output.
func fanOut(n int, parallelism int32) *ml.PipelineSpec {
	items := make([]string, n)
	for i := range items {
		items[i] = "shard-" + strconv.Itoa(i)
	}
	work := task("work").DependsOn("root").ForEachItems(items...).Args("--shard=$(item)", "--in=$(tasks.root.outputs.x)")
	if parallelism > 0 {
		work.ForEachParallelism(parallelism)
	}
	w := work.Obj()
	w.Outputs = []ml.TaskOutput{{Name: "y"}}
	root := task("root").Obj()
	root.Outputs = []ml.TaskOutput{{Name: "x"}}
	sink := task("sink").Args("--in=$(tasks.work.outputs.y)").Obj()
	return mltesting.MakePipeline("p", "ns").Tasks(root, w, sink).Spec()
}

// wideRun returns a run of fanOut(n) whose root succeeded and whose first
// done instances succeeded; the next running ones run.
func wideRun(n, done, running int, parallelism int32) (*ml.PipelineRun, map[string]workload.ReplicaStatus) {
	spec := fanOut(n, parallelism)
	s := newSim(nil, spec)
	start := metav1.NewTime(t0)
	pods := map[string]workload.ReplicaStatus{}
	succeed := func(name string, outputs ...ml.Param) ml.PipelineTaskStatus {
		podName := PodName("r", name, 1)
		return ml.PipelineTaskStatus{Name: name, Phase: ml.TaskSucceeded, PodName: podName, StartTime: &start, CompletionTime: &start, Outputs: outputs,
			Attempts: []ml.TaskAttempt{{PodName: podName, ExitCode: ptr.To[int32](0), StartTime: &start, CompletionTime: &start}}}
	}
	root := succeed("root", ml.Param{Name: "x", Value: "s3://bucket/root"})
	root.Task = "root"
	s.run.Status.Tasks = append(s.run.Status.Tasks, root)
	if done+running == 0 {
		s.run.Status.Tasks = append(s.run.Status.Tasks, ml.PipelineTaskStatus{Name: "work", Task: "work", Phase: ml.TaskPending})
	}
	for k := range n {
		if done+running == 0 {
			break
		}
		name := instanceName("work", k)
		e := ml.PipelineTaskStatus{Name: name, Task: "work", Item: "shard-" + strconv.Itoa(k), Phase: ml.TaskPending}
		switch {
		case k < done:
			e = succeed(name, ml.Param{Name: "y", Value: fmt.Sprint(k)})
			e.Task, e.Item = "work", "shard-"+strconv.Itoa(k)
		case k < done+running:
			podName := PodName("r", name, 1)
			e.Phase, e.PodName, e.StartTime = ml.TaskRunning, podName, &start
			e.Attempts = []ml.TaskAttempt{{PodName: podName, StartTime: &start}}
			pods[podName] = workload.ReplicaStatus{Name: podName, Phase: workload.PhaseRunning}
		}
		s.run.Status.Tasks = append(s.run.Status.Tasks, e)
	}
	s.run.Status.Tasks = append(s.run.Status.Tasks, ml.PipelineTaskStatus{Name: "sink", Task: "sink", Phase: ml.TaskPending})
	s.run.Status.StartTime = &start
	s.run.Status.Phase = ml.PipelineRunRunning
	return s.run, pods
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPlanFanOut is one plan of a run with a 5,000-instance forEach
// task: when the task is expanded (5,000 instances substituted, hashed and
// started at once), half way with 100 running (forEach.parallelism 100),
// and when the last instance ended (the sink reads every output). The
// target is under 50ms per plan.
func BenchmarkPlanFanOut(b *testing.B) {
	cases := []struct {
		name                 string
		done, running        int
		parallelism          int32
		wantCreate, wantNone bool
	}{
		{name: "expand-5000", wantCreate: true},
		{name: "half-5000-parallelism-100", done: 2500, running: 100, parallelism: 100},
		{name: "fan-in-5000", done: 5000, wantCreate: true},
	}
	for _, tc := range cases {
		run, pods := wideRun(5000, tc.done, tc.running, tc.parallelism)
		b.Run(tc.name, func(b *testing.B) {
			now := t0.Add(time.Minute)
			var res *Result
			cpu := cpuTime()
			for b.Loop() {
				res = Plan(Input{Run: run, Pods: maps.Clone(pods), Now: now, Cache: mapCache{}})
			}
			// The CPU time the process spent per plan (garbage collection
			// included): on a shared machine it says more than ns/op.
			b.ReportMetric(float64((cpuTime()-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
			if tc.wantCreate && len(res.Create) == 0 {
				b.Fatalf("the plan started nothing: %s", res.Message)
			}
		})
	}
}
