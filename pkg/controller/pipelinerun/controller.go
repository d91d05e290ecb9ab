package pipelinerun

import (
	"context"
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

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
}

// Controller is the PipelineRun controller.
type Controller struct {
	client           mlclientset.Interface
	runs             mllisters.PipelineRunLister
	runsIndexer      cache.Indexer
	runsSynced       cache.InformerSynced
	runtime          workload.Runtime
	recorder         record.EventRecorder
	clock            clock.WithTicker
	childBatchPeriod time.Duration
	cacheRetention   time.Duration
	fieldManager     string
	queue            workqueue.TypedRateLimitingInterface[cache.ObjectName]

	// createFailures are the pods of each run that the API refused to
	// create (invalid, forbidden), until the next sync reads them.
	createFailures createFailures
}

// New returns the controller and registers its event handlers and index.
func New(c Config) (*Controller, error) {
	batch := c.ChildBatchPeriod
	switch {
	case batch == 0:
		batch = DefaultChildBatchPeriod
	case batch < 0:
		batch = 0
	}
	retention := c.CacheRetention
	if retention == 0 {
		retention = DefaultCacheRetention
	}
	informer := c.Runs.Informer()
	if err := informer.AddIndexers(cache.Indexers{cacheKeyIndex: indexByCacheKey}); err != nil {
		return nil, fmt.Errorf("index pipelineruns by cache key: %w", err)
	}
	ctrl := &Controller{
		client:           c.Client,
		runs:             c.Runs.Lister(),
		runsIndexer:      informer.GetIndexer(),
		runsSynced:       informer.HasSynced,
		runtime:          c.Runtime,
		recorder:         c.Recorder,
		clock:            c.Clock,
		childBatchPeriod: batch,
		cacheRetention:   retention,
		fieldManager:     c.FieldManager,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[cache.ObjectName](),
			workqueue.TypedRateLimitingQueueConfig[cache.ObjectName]{Name: Name, Clock: c.Clock},
		),
	}
	if _, err := informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    ctrl.enqueue,
		UpdateFunc: func(_, obj any) { ctrl.enqueue(obj) },
		DeleteFunc: ctrl.enqueue,
	}); err != nil {
		return nil, fmt.Errorf("watch pipelineruns: %w", err)
	}
	if err := c.Runtime.AddOwnerHandler(kind.GroupKind(), ctrl.enqueueAfterChildChange); err != nil {
		return nil, fmt.Errorf("watch the pods of pipelineruns: %w", err)
	}
	return ctrl, nil
}

func (c *Controller) enqueue(obj any) {
	key, err := cache.DeletionHandlingObjectToName(obj)
	if err != nil {
		utilruntime.HandleError(err)
		return
	}
	c.queue.Add(key)
}

// enqueueAfterChildChange syncs a run a batch period after one of its pods
// changed; further changes in that period join the same sync.
func (c *Controller) enqueueAfterChildChange(key cache.ObjectName) {
	if c.childBatchPeriod == 0 {
		c.queue.Add(key)
		return
	}
	c.queue.AddAfter(key, c.childBatchPeriod)
}

// Run waits for the caches, then runs workers until ctx is done, and
// returns once they have stopped.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer utilruntime.HandleCrashWithContext(ctx)
	logger := klog.FromContext(ctx).WithValues("controller", Name)
	ctx = klog.NewContext(ctx, logger)
	logger.Info("Starting controller", "workers", workers)
	defer logger.Info("Stopped controller")

	var wg sync.WaitGroup
	defer wg.Wait()
	defer c.queue.ShutDown()
	if !cache.WaitForNamedCacheSyncWithContext(ctx, c.runsSynced, c.runtime.HasSynced) {
		return
	}
	for range workers {
		wg.Go(func() { wait.UntilWithContext(ctx, c.runWorker, time.Second) })
	}
	<-ctx.Done()
}

func (c *Controller) runWorker(ctx context.Context) {
	for c.processNextWorkItem(ctx) {
	}
}

// processNextWorkItem syncs one run; a failed sync is retried with
// exponential backoff.
func (c *Controller) processNextWorkItem(ctx context.Context) bool {
	key, shutdown := c.queue.Get()
	if shutdown {
		return false
	}
	defer c.queue.Done(key)

	logger := klog.FromContext(ctx).WithValues("pipelineRun", klog.KRef(key.Namespace, key.Name))
	ctx = klog.NewContext(ctx, logger)
	err := c.sync(ctx, key)
	switch {
	case err == nil:
		c.queue.Forget(key)
	case apierrors.IsConflict(err):
		logger.V(4).Info("Conflict writing status, retrying", "err", err)
		c.queue.AddRateLimited(key)
	default:
		utilruntime.HandleErrorWithContext(ctx, err, "Syncing PipelineRun failed, retrying")
		c.queue.AddRateLimited(key)
	}
	return true
}
