package plan

import (
	"fmt"
	"maps"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// midRun returns a run of spec with the first done tasks (in spec order)
// Succeeded with an output, and the pods of the running ones.
func midRun(spec *ml.PipelineSpec, done int) (*ml.PipelineRun, map[string]workload.ReplicaStatus) {
	s := newSim(nil, spec)
	start := metav1.NewTime(t0)
	pods := map[string]workload.ReplicaStatus{}
	for i := range spec.Tasks {
		name := spec.Tasks[i].Name
		spec.Tasks[i].Outputs = []ml.TaskOutput{{Name: "x"}}
		e := ml.PipelineTaskStatus{Name: name, Task: name, Phase: ml.TaskPending}
		if i < done {
			podName := PodName("r", name, 1)
			e.Phase, e.PodName, e.StartTime, e.CompletionTime = ml.TaskSucceeded, podName, &start, &start
			e.Attempts = []ml.TaskAttempt{{PodName: podName, ExitCode: ptr.To[int32](0), StartTime: &start, CompletionTime: &start}}
			e.Outputs = []ml.Param{{Name: "x", Value: "s3://bucket/" + name}}
			pods[podName] = workload.ReplicaStatus{Name: podName, Phase: workload.PhaseSucceeded, ExitCode: ptr.To[int32](0), TerminationMessage: "x=s3://bucket/" + name}
		}
		s.run.Status.Tasks = append(s.run.Status.Tasks, e)
	}
	s.run.Status.PipelineSpec = spec
	s.run.Status.StartTime = &start
	s.run.Status.Phase = ml.PipelineRunRunning
	return s.run, pods
}

// BenchmarkPlan is one plan of a 1,000-task run: a deep chain half done
// (one task to start, every reference resolved) and a wide fan-out whose
// root just succeeded (998 tasks to substitute, hash and start at once).
// The target is well under 20ms per plan.
func BenchmarkPlan(b *testing.B) {
	deepSpec := chain(1000)
	for i := 1; i < len(deepSpec.Tasks); i++ {
		deepSpec.Tasks[i].Args = []string{fmt.Sprintf("--in=$(tasks.t%d.outputs.x)", i-1), "--lr=0.1"}
	}
	wideSpec := wide(998)
	for i := 1; i < len(wideSpec.Tasks)-1; i++ {
		wideSpec.Tasks[i].Args = []string{"--in=$(tasks.root.outputs.x)", "--shard=" + fmt.Sprint(i)}
	}
	cases := []struct {
		name string
		spec *ml.PipelineSpec
		done int
	}{
		{name: "deep-1000", spec: deepSpec, done: 500},
		{name: "wide-1000", spec: wideSpec, done: 1},
	}
	for _, tc := range cases {
		run, pods := midRun(tc.spec, tc.done)
		b.Run(tc.name, func(b *testing.B) {
			now := t0.Add(time.Minute)
			var res *Result
			for b.Loop() {
				res = Plan(Input{Run: run, Pods: maps.Clone(pods), Now: now, Cache: mapCache{}})
			}
			if len(res.Create) == 0 {
				b.Fatalf("the plan started nothing: %s", res.Message)
			}
		})
	}
}
