package pipelinerun

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// maxCachedInstances bounds the instances the controller remembers, all
// runs together (some tens of MB); it starts over when full, and a run
// not cached reads its instances back.
const maxCachedInstances = 50000

// instanceCache remembers the instances of the runs in flight, so that a
// sync of a wide run does not read thousands of instances back: an entry
// is used only while the run's status still holds the summary the
// controller derived from it, which only the controller writes.
type instanceCache struct {
	mu sync.Mutex
	m  map[types.UID]cachedInstances
	// size is the number of instances in m.
	size int
}

type cachedInstances struct {
	// summary is the JSON of the status.tasks written (or kept) with
	// these instances: as stored, times in seconds.
	summary []byte
	// instances are by task then index.
	instances []ml.PipelineTaskStatus
}

func (c *instanceCache) get(run *mlv1alpha1.PipelineRun) ([]ml.PipelineTaskStatus, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[run.UID]
	if !ok {
		return nil, false
	}
	if summary, err := json.Marshal(run.Status.Tasks); err != nil || !bytes.Equal(summary, e.summary) {
		return nil, false
	}
	return e.instances, true
}

func (c *instanceCache) set(uid types.UID, tasks []mlv1alpha1.PipelineTaskStatus, instances []ml.PipelineTaskStatus) {
	summary, err := json.Marshal(tasks)
	if err != nil {
		c.forget(uid)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[uid]; ok {
		c.size -= len(old.instances)
	}
	if c.m == nil || c.size+len(instances) > maxCachedInstances {
		c.m, c.size = map[types.UID]cachedInstances{}, 0
	}
	c.m[uid] = cachedInstances{summary: summary, instances: instances}
	c.size += len(instances)
}

func (c *instanceCache) forget(uid types.UID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[uid]; ok {
		c.size -= len(old.instances)
		delete(c.m, uid)
	}
}

// loadInstances returns the stored instances of run's forEach tasks, as
// entries by task then index: from the cache when the run's status is
// still the one they go with, else from the tasks subresource.
func (c *Controller) loadInstances(ctx context.Context, run *mlv1alpha1.PipelineRun) ([]ml.PipelineTaskStatus, error) {
	if cached, ok := c.instanceCache.get(run); ok {
		return cached, nil
	}
	served, err := c.instances.List(ctx, run)
	if err != nil {
		return nil, fmt.Errorf("read the forEach instances of %s: %w", klog.KObj(run), err)
	}
	sortInstances(served)
	out := make([]ml.PipelineTaskStatus, 0, len(served))
	for i := range served {
		e, err := fromInstance(&served[i])
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	klog.FromContext(ctx).V(4).Info("Read the forEach instances", "instances", len(out))
	return out, nil
}

// storeInstances moves the instances out of a planned status: it writes
// those that changed since stored to the tasks subresource and leaves a
// summary of each forEach task in status.Tasks. It returns the instances.
func (c *Controller) storeInstances(ctx context.Context, run *mlv1alpha1.PipelineRun, status *ml.PipelineRunStatus, stored []ml.PipelineTaskStatus, forEach map[string]bool) ([]ml.PipelineTaskStatus, error) {
	var instances []ml.PipelineTaskStatus
	status.Tasks, instances = summarize(status.Tasks, forEach)
	changed, err := changedInstances(instances, byName(stored))
	if err != nil {
		return nil, fmt.Errorf("convert the forEach instances of %s: %w", klog.KObj(run), err)
	}
	if len(changed) == 0 {
		return instances, nil
	}
	if err := c.instances.Put(ctx, run, changed); err != nil {
		c.instanceCache.forget(run.UID)
		return nil, fmt.Errorf("write the forEach instances of %s: %w", klog.KObj(run), err)
	}
	klog.FromContext(ctx).V(4).Info("Wrote forEach instances", "changed", len(changed), "instances", len(instances))
	return instances, nil
}
