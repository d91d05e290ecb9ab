package storage

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// logKind makes the log subresource of PipelineRuns show the logs of the
// latest attempt of every task (every forEach instance), [task] before
// each line; ?task= picks a task or an instance, &attempt=N an earlier
// attempt. Its merged logs come in execution order (logorder.go), which
// needs the run's snapshot.
type logKind struct {
	depths *depthCache
}

// newLogKind returns the logKind of the runs whose snapshots are in
// snapshots.
func newLogKind(snapshots *Snapshots) logKind {
	return logKind{depths: &depthCache{snapshots: snapshots, byHash: map[string]map[string]int{}}}
}

// podNames are the pods of every attempt of every task, oldest first.
func podNames(run *ml.PipelineRun) []string {
	var names []string
	for _, t := range run.Status.Tasks {
		for _, a := range t.Attempts {
			names = append(names, a.PodName)
		}
		if t.PodName != "" && (len(t.Attempts) == 0 || t.Attempts[len(t.Attempts)-1].PodName != t.PodName) {
			names = append(names, t.PodName)
		}
	}
	return names
}

// Pods are those status.tasks names.
func (logKind) Pods(obj runtime.Object) (labels.Selector, []string) {
	return nil, podNames(obj.(*ml.PipelineRun))
}

// Label is the name of the task (or instance) whose attempt pod ran, for a
// pod status.tasks names and the run controls (when it has a controller).
func (logKind) Label(obj runtime.Object, pod *workload.Pod) (string, bool) {
	run := obj.(*ml.PipelineRun)
	if pod.ControllerUID != "" && pod.ControllerUID != run.UID {
		return "", false
	}
	for _, t := range run.Status.Tasks {
		if t.PodName == pod.Name {
			return t.Name, true
		}
		for _, a := range t.Attempts {
			if a.PodName == pod.Name {
				return t.Name, true
			}
		}
	}
	return "", false
}

// Select picks the latest attempt of the tasks (or instances) that task
// names (a nested pipeline's task: all of its inner tasks), or the attempt
// asked for.
func (logKind) Select(obj runtime.Object, o *ml.LogOptions) (func(pod, label string) bool, field.ErrorList) {
	if o.Replica != "" {
		return nil, field.ErrorList{field.Forbidden(field.NewPath("replica"), "pipelineruns have tasks: use task")}
	}
	run := obj.(*ml.PipelineRun)
	want := map[string]bool{}
	found := false
	for _, t := range run.Status.Tasks {
		if o.Task != "" && t.Name != o.Task && t.Task != o.Task && !strings.HasPrefix(t.Name, o.Task+".") {
			continue
		}
		found = true
		switch {
		case o.Attempt == nil && t.PodName != "":
			want[t.PodName] = true
		case o.Attempt == nil && len(t.Attempts) > 0:
			want[t.Attempts[len(t.Attempts)-1].PodName] = true
		case o.Attempt != nil && int(*o.Attempt) <= len(t.Attempts):
			want[t.Attempts[*o.Attempt-1].PodName] = true
		}
	}
	if o.Task != "" && !found {
		return nil, field.ErrorList{field.NotFound(field.NewPath("task"), o.Task)}
	}
	if o.Attempt != nil && len(want) == 0 {
		return nil, field.ErrorList{field.Invalid(field.NewPath("attempt"), *o.Attempt, fmt.Sprintf("task %s has fewer attempts", o.Task))}
	}
	return func(pod, _ string) bool { return want[pod] }, nil
}
