package storage

import (
	"time"

	"k8s.io/apimachinery/pkg/runtime"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/registry/logs"
)

var _ logs.OrderedKind = logKind{}

// Started is when the task (or forEach instance) labelled label started,
// and its depth in the pipeline: merged logs show tasks in the order they
// ran, a task after the tasks it depends on even when both started in the
// same second.
func (logKind) Started(obj runtime.Object, label string) (time.Time, int, bool) {
	run := obj.(*ml.PipelineRun)
	for i := range run.Status.Tasks {
		t := &run.Status.Tasks[i]
		if t.Name != label {
			continue
		}
		start := t.StartTime
		if start == nil && len(t.Attempts) > 0 {
			start = t.Attempts[0].StartTime
		}
		if start == nil {
			return time.Time{}, 0, false
		}
		task := t.Task
		if task == "" {
			task = t.Name
		}
		return start.Time, taskDepths(pipelineSpec(run))[task], true
	}
	return time.Time{}, 0, false
}

// pipelineSpec is the pipeline a run executes: its snapshot, or the inline
// spec before the controller took one.
func pipelineSpec(run *ml.PipelineRun) *ml.PipelineSpec {
	if run.Status.PipelineSpec != nil {
		return run.Status.PipelineSpec
	}
	return run.Spec.PipelineSpec
}

// taskDepths is the length of the longest dependency chain (dependsOn and
// output references) above each task of spec; finally tasks come after every regular task. Tasks on a cycle
// (which validation refuses) get the depth reached when the cycle is seen.
func taskDepths(spec *ml.PipelineSpec) map[string]int {
	if spec == nil {
		return nil
	}
	deps := make(map[string][]string, len(spec.Tasks))
	for i := range spec.Tasks {
		deps[spec.Tasks[i].Name] = validation.DependenciesOf(spec.Tasks[i])
	}
	depth := make(map[string]int, len(spec.Tasks)+len(spec.Finally))
	visiting := map[string]bool{}
	var visit func(name string) int
	visit = func(name string) int {
		if d, ok := depth[name]; ok {
			return d
		}
		if visiting[name] {
			return 0
		}
		visiting[name] = true
		d := 0
		for _, dep := range deps[name] {
			if _, known := deps[dep]; known {
				d = max(d, visit(dep)+1)
			}
		}
		depth[name] = d
		return d
	}
	last := 0
	for i := range spec.Tasks {
		last = max(last, visit(spec.Tasks[i].Name))
	}
	for i := range spec.Finally {
		depth[spec.Finally[i].Name] = last + 1
	}
	return depth
}
