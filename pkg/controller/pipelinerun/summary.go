package pipelinerun

import (
	"fmt"
	"slices"
	"strings"

	apiequality "k8s.io/apimachinery/pkg/api/equality"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// MaxSummaryFailures is how many failed instances a forEach task's
// summary in the run's status names; the tasks subresource has them all.
const MaxSummaryFailures = 10

// forEachTasks are the names of the forEach tasks of spec.
func forEachTasks(spec *ml.PipelineSpec) map[string]bool {
	names := map[string]bool{}
	for _, tasks := range [][]ml.PipelineTask{spec.Tasks, spec.Finally} {
		for i := range tasks {
			if tasks[i].ForEach != nil {
				names[tasks[i].Name] = true
			}
		}
	}
	return names
}

// isInstance says whether e is an instance of one of the forEach tasks.
func isInstance(e *ml.PipelineTaskStatus, forEach map[string]bool) bool {
	return forEach[e.Task] && e.Name != e.Task
}

// splice replaces the entry of each forEach task in tasks (its summary, or
// its placeholder before expansion) with its stored instances, in index
// order: the task list the planner works on.
func splice(tasks []ml.PipelineTaskStatus, stored []ml.PipelineTaskStatus, forEach map[string]bool) []ml.PipelineTaskStatus {
	if len(stored) == 0 {
		return tasks
	}
	byTask := map[string][]ml.PipelineTaskStatus{}
	for _, e := range stored {
		byTask[e.Task] = append(byTask[e.Task], e)
	}
	out := make([]ml.PipelineTaskStatus, 0, len(tasks)+len(stored))
	done := map[string]bool{}
	for _, e := range tasks {
		name := e.Task
		if name == "" {
			name = e.Name
		}
		if instances, ok := byTask[name]; ok && forEach[name] {
			if !done[name] {
				out = append(out, instances...)
				done[name] = true
			}
			continue
		}
		out = append(out, e)
	}
	// Instances of a task whose entry the status lacks still count.
	for name, instances := range byTask {
		if !done[name] && forEach[name] {
			out = append(out, instances...)
		}
	}
	return out
}

// summarize replaces the instances of each forEach task in tasks with one
// entry for the task that summarizes them, and returns that list and the
// instances, by task then index.
func summarize(tasks []ml.PipelineTaskStatus, forEach map[string]bool) ([]ml.PipelineTaskStatus, []ml.PipelineTaskStatus) {
	var out, instances []ml.PipelineTaskStatus
	at := map[string]int{}
	for _, e := range tasks {
		if !isInstance(&e, forEach) {
			out = append(out, e)
			continue
		}
		instances = append(instances, e)
		i, ok := at[e.Task]
		if !ok {
			i = len(out)
			at[e.Task] = i
			out = append(out, ml.PipelineTaskStatus{Name: e.Task, Task: e.Task, Instances: &ml.TaskInstanceSummary{}})
		}
		addToSummary(&out[i], &e)
	}
	for _, i := range at {
		finishSummary(&out[i])
	}
	return out, instances
}

// addToSummary counts instance e into the summary entry s.
func addToSummary(s *ml.PipelineTaskStatus, e *ml.PipelineTaskStatus) {
	sum := s.Instances
	sum.Total++
	switch e.Phase {
	case ml.TaskRunning:
		sum.Running++
	case ml.TaskSucceeded:
		sum.Succeeded++
	case ml.TaskFailed:
		sum.Failed++
		if len(sum.Failures) < MaxSummaryFailures {
			sum.Failures = append(sum.Failures, ml.TaskInstanceFailure{Index: sum.Total - 1, Item: e.Item, Reason: e.Reason, Message: e.Message})
		}
	case ml.TaskSkipped:
		sum.Skipped++
	case ml.TaskCanceled:
		sum.Canceled++
	default:
		sum.Pending++
	}
	if e.StartTime != nil && (s.StartTime == nil || e.StartTime.Before(s.StartTime)) {
		s.StartTime = e.StartTime.DeepCopy()
	}
	if e.CompletionTime != nil && (s.CompletionTime == nil || s.CompletionTime.Before(e.CompletionTime)) {
		s.CompletionTime = e.CompletionTime.DeepCopy()
	}
}

// finishSummary sets the phase of a summary entry from its counts: ended
// once every instance has (Failed if one failed, Canceled if one was,
// Skipped if all were, else Succeeded), Running once one started.
func finishSummary(s *ml.PipelineTaskStatus) {
	sum := s.Instances
	ended := sum.Succeeded + sum.Failed + sum.Skipped + sum.Canceled
	switch {
	case ended < sum.Total:
		s.CompletionTime = nil
		s.Phase = ml.TaskPending
		if sum.Running > 0 || ended > 0 {
			s.Phase = ml.TaskRunning
		}
	case sum.Failed > 0:
		s.Phase = ml.TaskFailed
	case sum.Canceled > 0:
		s.Phase = ml.TaskCanceled
	case sum.Skipped == sum.Total:
		s.Phase = ml.TaskSkipped
	default:
		s.Phase = ml.TaskSucceeded
	}
	var counts []string
	for _, c := range []struct {
		phase ml.TaskPhase
		n     int32
	}{
		{ml.TaskSucceeded, sum.Succeeded}, {ml.TaskFailed, sum.Failed}, {ml.TaskRunning, sum.Running},
		{ml.TaskPending, sum.Pending}, {ml.TaskSkipped, sum.Skipped}, {ml.TaskCanceled, sum.Canceled},
	} {
		if c.n > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", c.n, c.phase))
		}
	}
	s.Message = fmt.Sprintf("%d instances: %s", sum.Total, strings.Join(counts, ", "))
}

// toInstance is the served form of instance entry e.
func toInstance(e *ml.PipelineTaskStatus, index int32) (mlv1alpha1.PipelineRunTaskInstance, error) {
	var v mlv1alpha1.PipelineTaskStatus
	if err := mlv1alpha1.Convert_ml_PipelineTaskStatus_To_v1alpha1_PipelineTaskStatus(e, &v, nil); err != nil {
		return mlv1alpha1.PipelineRunTaskInstance{}, err
	}
	return mlv1alpha1.PipelineRunTaskInstance{
		Task: v.Task, Index: index, Item: v.Item, Name: v.Name, Phase: v.Phase, Reason: v.Reason, Message: v.Message,
		PodName: v.PodName, StartTime: v.StartTime, CompletionTime: v.CompletionTime, ExitCode: v.ExitCode,
		Outputs: v.Outputs, Attempts: v.Attempts, CacheKey: v.CacheKey,
	}, nil
}

// fromInstance is the entry of a served instance.
func fromInstance(in *mlv1alpha1.PipelineRunTaskInstance) (ml.PipelineTaskStatus, error) {
	name := in.Name
	if name == "" {
		name = fmt.Sprintf("%s-%d", in.Task, in.Index)
	}
	v := mlv1alpha1.PipelineTaskStatus{
		Name: name, Task: in.Task, Item: in.Item, Phase: in.Phase, Reason: in.Reason, Message: in.Message,
		PodName: in.PodName, StartTime: in.StartTime, CompletionTime: in.CompletionTime, ExitCode: in.ExitCode,
		Outputs: in.Outputs, Attempts: in.Attempts, CacheKey: in.CacheKey,
	}
	var e ml.PipelineTaskStatus
	err := mlv1alpha1.Convert_v1alpha1_PipelineTaskStatus_To_ml_PipelineTaskStatus(&v, &e, nil)
	return e, err
}

// changedInstances are the instances of planned (by task then index)
// that differ from the ones stored, in the served form.
func changedInstances(planned []ml.PipelineTaskStatus, stored map[string]*ml.PipelineTaskStatus) ([]mlv1alpha1.PipelineRunTaskInstance, error) {
	var out []mlv1alpha1.PipelineRunTaskInstance
	index := map[string]int32{}
	for i := range planned {
		e := &planned[i]
		k := index[e.Task]
		index[e.Task] = k + 1
		if old, ok := stored[e.Name]; ok && apiequality.Semantic.DeepEqual(old, e) {
			continue
		}
		in, err := toInstance(e, k)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, nil
}

// byName indexes instance entries by name.
func byName(entries []ml.PipelineTaskStatus) map[string]*ml.PipelineTaskStatus {
	m := make(map[string]*ml.PipelineTaskStatus, len(entries))
	for i := range entries {
		m[entries[i].Name] = &entries[i]
	}
	return m
}

// sortInstances orders served instances by task then index.
func sortInstances(ins []mlv1alpha1.PipelineRunTaskInstance) {
	slices.SortStableFunc(ins, func(a, b mlv1alpha1.PipelineRunTaskInstance) int {
		if a.Task != b.Task {
			if a.Task < b.Task {
				return -1
			}
			return 1
		}
		return int(a.Index - b.Index)
	})
}
