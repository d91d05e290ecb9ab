package pipelinerun

import (
	"context"
	"fmt"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
)

// SnapshotGetter returns the snapshot of the pipeline run executes: what
// the run's pipeline subresource serves.
type SnapshotGetter func(ctx context.Context, run *mlv1alpha1.PipelineRun) (*mlv1alpha1.Pipeline, error)

// ClientSnapshotGetter reads snapshots through client's pipeline
// subresource, so that it works in the `ml-apiserver controller` process
// as in the server.
func ClientSnapshotGetter(client mlclientset.Interface) SnapshotGetter {
	return func(ctx context.Context, run *mlv1alpha1.PipelineRun) (*mlv1alpha1.Pipeline, error) {
		return client.MlV1alpha1().PipelineRuns(run.Namespace).GetPipeline(ctx, run.Name, metav1.GetOptions{})
	}
}

// maxCachedSnapshots bounds the snapshots the controller remembers; it
// starts over when full.
const maxCachedSnapshots = 1024

// snapshotCache remembers the snapshots of the runs in flight, by UID and
// hash: a snapshot never changes, and a run is synced many times.
type snapshotCache struct {
	get SnapshotGetter
	mu  sync.Mutex
	m   map[types.UID]cachedSnapshot
}

type cachedSnapshot struct {
	hash string
	spec *ml.PipelineSpec
}

// spec returns the snapshot of run, internal, for the planner; callers do
// not modify it. It checks what it read against status.pipeline.hash.
func (c *snapshotCache) spec(ctx context.Context, run *mlv1alpha1.PipelineRun) (*ml.PipelineSpec, error) {
	hash := run.Status.Pipeline.Hash
	c.mu.Lock()
	s, ok := c.m[run.UID]
	c.mu.Unlock()
	if ok && s.hash == hash {
		return s.spec, nil
	}
	p, err := c.get(ctx, run)
	if err != nil {
		return nil, err
	}
	if got, err := mlv1alpha1.PipelineSnapshotHash(&p.Spec); err != nil {
		return nil, err
	} else if hash != "" && got != hash {
		return nil, fmt.Errorf("the pipeline snapshot read has hash %s, status.pipeline.hash says %s", got, hash)
	}
	spec := &ml.PipelineSpec{}
	if err := mlv1alpha1.Convert_v1alpha1_PipelineSpec_To_ml_PipelineSpec(&p.Spec, spec, nil); err != nil {
		return nil, fmt.Errorf("convert the pipeline snapshot: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedSnapshots {
		c.m = map[types.UID]cachedSnapshot{}
	}
	c.m[run.UID] = cachedSnapshot{hash: hash, spec: spec}
	klog.FromContext(ctx).V(4).Info("Read the pipeline snapshot", "pipelineRun", klog.KObj(run), "hash", hash)
	return spec, nil
}

// legacySnapshot says whether run was stored by a version before the
// pipeline subresource: with the snapshot in status.pipelineSpec and no
// status.pipeline.
func legacySnapshot(run *mlv1alpha1.PipelineRun) bool {
	return run.Status.PipelineSpec != nil && run.Status.Pipeline == nil
}

// migrateSnapshot writes the status of a run an earlier version stored,
// unchanged: the server moves the snapshot out of it on every write, and
// the update brings the run back, migrated, to be synced.
func (c *Controller) migrateSnapshot(ctx context.Context, run *mlv1alpha1.PipelineRun) error {
	if _, err := c.client.MlV1alpha1().PipelineRuns(run.Namespace).UpdateStatus(ctx, run.DeepCopy(), metav1.UpdateOptions{FieldManager: c.fieldManager}); err != nil {
		return fmt.Errorf("move the pipeline snapshot of %s out of its status: %w", klog.KObj(run), err)
	}
	klog.FromContext(ctx).V(2).Info("Moved the pipeline snapshot out of the run's status", "pipelineRun", klog.KObj(run))
	return nil
}
