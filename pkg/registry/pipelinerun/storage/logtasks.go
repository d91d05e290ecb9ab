package storage

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/storage/taskstore"
)

// instanceReadTimeout bounds the read of a run's instances for its logs.
const instanceReadTimeout = 10 * time.Second

// maxExpandedRuns bounds the runs whose instances the log subresource
// remembers; it starts over when full.
const maxExpandedRuns = 16

// instanceExpander gives the log subresource the forEach instances that a
// run's status only summarizes (they are in the task store), so that
// their logs are found, selected by ?task= and ordered as before.
type instanceExpander struct {
	store taskstore.Store
	mu    sync.Mutex
	// byVersion are the expanded runs by UID, for one resourceVersion.
	byVersion map[types.UID]expandedRun
}

type expandedRun struct {
	resourceVersion string
	run             *ml.PipelineRun
}

// expand returns run with the instances of its summarized forEach tasks in
// status.tasks, in place of their summaries; run itself when it has none,
// or when they cannot be read (their logs are then not found).
func (x *instanceExpander) expand(run *ml.PipelineRun) *ml.PipelineRun {
	if x == nil || x.store == nil || !summarized(run) {
		return run
	}
	x.mu.Lock()
	e, ok := x.byVersion[run.UID]
	x.mu.Unlock()
	if ok && e.resourceVersion == run.ResourceVersion {
		return e.run
	}
	ctx, cancel := context.WithTimeout(context.Background(), instanceReadTimeout)
	defer cancel()
	owner := taskstore.Owner{Namespace: run.Namespace, UID: run.UID}
	byTask := map[string][]ml.PipelineTaskStatus{}
	opts := taskstore.ListOptions{Limit: 5000}
	for {
		page, next, err := x.store.List(ctx, owner, opts)
		if err != nil {
			klog.FromContext(ctx).Error(err, "Cannot read the forEach instances for the logs of a run", "pipelineRun", klog.KObj(run))
			return run
		}
		for _, in := range page {
			var v mlv1alpha1.PipelineRunTaskInstance
			if json.Unmarshal(in.Data, &v) != nil {
				continue
			}
			e := ml.PipelineTaskStatus{Name: v.Name, Task: in.Task, Item: v.Item, Phase: ml.TaskPhase(in.Phase), PodName: v.PodName, StartTime: v.StartTime}
			for _, a := range v.Attempts {
				e.Attempts = append(e.Attempts, ml.TaskAttempt{PodName: a.PodName, StartTime: a.StartTime, CompletionTime: a.CompletionTime, ExitCode: a.ExitCode})
			}
			byTask[in.Task] = append(byTask[in.Task], e)
		}
		if opts.Continue = next; next == "" {
			break
		}
	}
	out := run.DeepCopy()
	out.Status.Tasks = out.Status.Tasks[:0]
	for _, t := range run.Status.Tasks {
		if instances, ok := byTask[t.Name]; ok && t.Instances != nil {
			out.Status.Tasks = append(out.Status.Tasks, instances...)
			continue
		}
		out.Status.Tasks = append(out.Status.Tasks, *t.DeepCopy())
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.byVersion == nil || len(x.byVersion) >= maxExpandedRuns {
		x.byVersion = map[types.UID]expandedRun{}
	}
	x.byVersion[run.UID] = expandedRun{resourceVersion: run.ResourceVersion, run: out}
	return out
}

// summarized says whether a task of run has its instances apart.
func summarized(run *ml.PipelineRun) bool {
	for i := range run.Status.Tasks {
		if run.Status.Tasks[i].Instances != nil {
			return true
		}
	}
	return false
}
