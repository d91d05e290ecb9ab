package plan

import (
	"fmt"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// ReasonReused: the task Succeeded in the run this run retries; it did
// not run again and has that task's outputs.
const ReasonReused = "Reused"

// Reused returns the task entries a retry of prev starts with, prev
// having ended with its snapshot spec: every regular task that Succeeded
// in prev (served from the cache or not) is Succeeded with reason Reused,
// its outputs and cache key, and no attempt or pod of its own; the others
// are left out and run again, as are the finally tasks. A forEach task
// of which some instances succeeded keeps its expansion: those instances
// are reused and the others are Pending, to run again.
func Reused(prev *ml.PipelineRun, spec *ml.PipelineSpec) []ml.PipelineTaskStatus {
	regular := make(map[string]bool, len(spec.Tasks))
	for i := range spec.Tasks {
		regular[spec.Tasks[i].Name] = true
	}
	// Instances by forEach task, to know which tasks have one that succeeded.
	instanceSucceeded := map[string]bool{}
	for _, e := range prev.Status.Tasks {
		if isInstance(&e) && e.Phase == ml.TaskSucceeded {
			instanceSucceeded[e.Task] = true
		}
	}
	message := clip(fmt.Sprintf("reused the outputs of this task from run %s", prev.Name), MaxMessageBytes)
	var out []ml.PipelineTaskStatus
	for _, e := range prev.Status.Tasks {
		task := e.Task
		if task == "" {
			task = e.Name
		}
		if !regular[task] {
			continue
		}
		switch {
		case e.Phase == ml.TaskSucceeded && (!isInstance(&e) || instanceSucceeded[task]):
			out = append(out, ml.PipelineTaskStatus{
				Name: e.Name, Task: e.Task, Item: e.Item, Phase: ml.TaskSucceeded,
				Reason: ReasonReused, Message: message,
				StartTime: e.StartTime.DeepCopy(), CompletionTime: e.CompletionTime.DeepCopy(),
				Outputs: append([]ml.Param(nil), e.Outputs...), CacheKey: e.CacheKey,
				Artifacts: reusedArtifacts(e.Artifacts),
			})
		case isInstance(&e) && instanceSucceeded[task]:
			out = append(out, ml.PipelineTaskStatus{Name: e.Name, Task: e.Task, Item: e.Item, Phase: ml.TaskPending})
		}
	}
	return out
}

// isInstance says whether an entry is an instance of a forEach task.
func isInstance(e *ml.PipelineTaskStatus) bool { return e.Task != "" && e.Task != e.Name }
