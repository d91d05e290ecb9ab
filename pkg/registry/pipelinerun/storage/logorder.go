package storage

import (
	"context"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/registry/logs"
)

var _ logs.OrderedKind = logKind{}

// Started is when the task (or forEach instance) labelled label started,
// and its depth in the pipeline: merged logs show tasks in the order they
// ran, a task after the tasks it depends on even when both started in the
// same second.
func (k logKind) Started(obj runtime.Object, label string) (time.Time, int, bool) {
	run := k.instances.expand(obj.(*ml.PipelineRun))
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
		return start.Time, k.depths.of(run)[task], true
	}
	return time.Time{}, 0, false
}

// depthCache keeps the task depths of the snapshots that logs were merged
// for lately, by hash: a snapshot never changes, and the merged logs of a
// run look up the depth of every task.
type depthCache struct {
	snapshots *Snapshots
	mu        sync.Mutex
	byHash    map[string]map[string]int
}

// maxCachedDepths bounds the depthCache; it starts over when full.
const maxCachedDepths = 256

// snapshotReadTimeout bounds the read of a snapshot for the log order.
const snapshotReadTimeout = 10 * time.Second

// of returns the depth of each task of the pipeline run executes: its
// snapshot, or the inline spec when the snapshot cannot be read (the log
// order is then by start time only for a referenced pipeline).
func (c *depthCache) of(run *ml.PipelineRun) map[string]int {
	if run.Status.PipelineSpec != nil || c == nil || c.snapshots == nil || run.Status.Pipeline == nil {
		return taskDepths(pipelineSpec(run))
	}
	hash := run.Status.Pipeline.Hash
	c.mu.Lock()
	d, ok := c.byHash[hash]
	c.mu.Unlock()
	if ok {
		return d
	}
	ctx, cancel := context.WithTimeout(context.Background(), snapshotReadTimeout)
	defer cancel()
	stored, err := c.snapshots.Get(ctx, run.Namespace, run.UID)
	if err != nil {
		klog.V(2).InfoS("Merged logs are ordered without the pipeline snapshot", "pipelineRun", klog.KObj(run), "err", err)
		return taskDepths(run.Spec.PipelineSpec)
	}
	d = taskDepths(&stored.Spec)
	c.mu.Lock()
	if len(c.byHash) >= maxCachedDepths {
		clear(c.byHash)
	}
	c.byHash[hash] = d
	c.mu.Unlock()
	return d
}

// pipelineSpec is the pipeline a run executes when it carries it: the
// snapshot of a run an earlier version stored, or the inline spec.
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
