package pipelinerun

import (
	"context"
	"fmt"
	"time"

	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"

	"ml.example.io/ml-apiserver/pkg/controller/queue"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	mlinformers "ml.example.io/ml-apiserver/pkg/generated/informers/externalversions/ml/v1alpha1"
	mllisters "ml.example.io/ml-apiserver/pkg/generated/listers/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// Name is the controller's name, in logs and for the workqueue.
const Name = "pipelinerun"

// Defaults of Config.
const (
	// DefaultChildBatchPeriod is how long a sync waits after a change of a
	// pod, so that pods ending together are handled in one sync and one
	// status write.
	DefaultChildBatchPeriod = 200 * time.Millisecond
	// DefaultCacheRetention is how long a Succeeded task serves as the
	// cached result of tasks with the same cache key.
	DefaultCacheRetention = 7 * 24 * time.Hour
	// DefaultCreateParallelism is how many pods a sync creates at once.
	DefaultCreateParallelism = 16
)

// Config is what the controller needs.
type Config struct {
	// Client writes the runs' status and deletes expired runs.
	Client mlclientset.Interface
	// Runs is the informer of PipelineRuns; New adds the cache-key index
	// to it, so it must not have started.
	Runs mlinformers.PipelineRunInformer
	// Runtime runs the tasks' pods.
	Runtime workload.Runtime
	// Recorder emits events about runs.
	Recorder record.EventRecorder
	// Clock tells the time of backoffs, timeouts, deadlines and TTLs.
	Clock clock.WithTicker
	// ChildBatchPeriod delays syncs after changes of pods; 0 means
	// DefaultChildBatchPeriod, a negative value no delay.
	ChildBatchPeriod time.Duration
	// CacheRetention is how old a Succeeded task may be to serve as a
	// cached result; 0 means DefaultCacheRetention, negative disables
	// caching.
	CacheRetention time.Duration
	// FieldManager is the field manager of status writes.
	FieldManager string
	// MaxForEachItems caps the instances of one forEach task
	// (--max-foreach); 0 means pipeline.MaxForEachItems.
	MaxForEachItems int32
	// WhenCELCost is the cost limit of evaluating CEL when conditions
	// (--max-when-cel-cost); 0 means validation.DefaultWhenCELCostLimit.
	WhenCELCost int64
	// MaxRunInstances caps the forEach instances of one run
	// (--max-run-instances); 0 means plan.MaxRunInstances.
	MaxRunInstances int32
	// Snapshot reads the snapshot of a run's pipeline; nil means
	// ClientSnapshotGetter(Client).
	Snapshot SnapshotGetter
	// Instances reads and writes the instances of forEach tasks; nil
	// means ClientInstanceStore(Client).
	Instances InstanceStore
}

// Controller is the PipelineRun controller.
type Controller struct {
	client         mlclientset.Interface
	runs           mllisters.PipelineRunLister
	runsIndexer    cache.Indexer
	runsSynced     cache.InformerSynced
	runtime        workload.Runtime
	recorder       record.EventRecorder
	clock          clock.WithTicker
	cacheRetention time.Duration
	fieldManager   string
	maxForEach     int32
	whenCELCost    int64
	maxRunInst     int32
	snapshots      *snapshotCache
	instances      InstanceStore
	instanceCache  instanceCache
	queue          *queue.Queue

	// createFailures are the pods of each run that the API refused to
	// create (invalid, forbidden), until the next sync reads them.
	createFailures createFailures
}

// New returns the controller and registers its event handlers and index.
func New(c Config) (*Controller, error) {
	retention := c.CacheRetention
	if retention == 0 {
		retention = DefaultCacheRetention
	}
	informer := c.Runs.Informer()
	if err := informer.AddIndexers(cache.Indexers{cacheKeyIndex: indexByCacheKey}); err != nil {
		return nil, fmt.Errorf("index pipelineruns by cache key: %w", err)
	}
	ctrl := &Controller{
		client:         c.Client,
		runs:           c.Runs.Lister(),
		runsIndexer:    informer.GetIndexer(),
		runsSynced:     informer.HasSynced,
		runtime:        c.Runtime,
		recorder:       c.Recorder,
		clock:          c.Clock,
		cacheRetention: retention,
		fieldManager:   c.FieldManager,
		maxForEach:     c.MaxForEachItems,
		whenCELCost:    c.WhenCELCost,
		maxRunInst:     c.MaxRunInstances,
		snapshots:      &snapshotCache{get: c.Snapshot},
	}
	if ctrl.instances = c.Instances; ctrl.instances == nil {
		ctrl.instances = ClientInstanceStore(c.Client)
	}
	if ctrl.snapshots.get == nil {
		ctrl.snapshots.get = ClientSnapshotGetter(c.Client)
	}
	ctrl.queue = queue.New(queue.Options{
		Name: Name, Kind: "PipelineRun", Clock: c.Clock,
		ChildBatchPeriod: queue.BatchPeriod(c.ChildBatchPeriod, DefaultChildBatchPeriod),
	}, ctrl.sync)
	if _, err := informer.AddEventHandler(ctrl.queue.EventHandler()); err != nil {
		return nil, fmt.Errorf("watch pipelineruns: %w", err)
	}
	if err := c.Runtime.AddOwnerHandler(kind.GroupKind(), ctrl.queue.EnqueueAfterChildChange); err != nil {
		return nil, fmt.Errorf("watch the pods of pipelineruns: %w", err)
	}
	return ctrl, nil
}

// Run waits for the caches, then runs workers until ctx is done, and
// returns once they have stopped.
func (c *Controller) Run(ctx context.Context, workers int) {
	c.queue.Run(ctx, workers, c.runsSynced, c.runtime.HasSynced)
}
