package notebook

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
const Name = "notebook"

// DefaultChildBatchPeriod is how long a sync waits after a change of a
// child, so that the StatefulSet's and the claim's changes of one start
// are written to the notebook's status in few writes.
const DefaultChildBatchPeriod = time.Second

// Config is what the controller needs.
type Config struct {
	// Client writes the notebooks' status, and stops idle notebooks.
	Client mlclientset.Interface
	// Notebooks is the informer of Notebooks.
	Notebooks mlinformers.NotebookInformer
	// Runtime runs the notebooks' StatefulSets, Services and claims.
	Runtime workload.ServingRuntime
	// Probe reads the activity of running notebooks with an idleTimeout;
	// nil uses a JupyterProbe.
	Probe ActivityProbe
	// ProbeInterval is how often they are probed; 0 means
	// DefaultProbeInterval.
	ProbeInterval time.Duration
	// Recorder emits events about notebooks.
	Recorder record.EventRecorder
	// Clock tells the time of conditions and of idleness.
	Clock clock.WithTicker
	// ChildBatchPeriod delays syncs after changes of children; 0 means
	// DefaultChildBatchPeriod, a negative value no delay.
	ChildBatchPeriod time.Duration
	// FieldManager is the field manager of status writes.
	FieldManager string
}

// Controller is the Notebook controller.
type Controller struct {
	client           mlclientset.Interface
	notebooks        mllisters.NotebookLister
	notebooksSynced  cache.InformerSynced
	runtime          workload.ServingRuntime
	probe            ActivityProbe
	probeInterval    time.Duration
	recorder         record.EventRecorder
	clock            clock.WithTicker
	childBatchPeriod time.Duration
	fieldManager     string
	queue            workqueue.TypedRateLimitingInterface[cache.ObjectName]
}

// New returns the controller and registers its event handlers.
func New(c Config) (*Controller, error) {
	batch := c.ChildBatchPeriod
	switch {
	case batch == 0:
		batch = DefaultChildBatchPeriod
	case batch < 0:
		batch = 0
	}
	ctrl := &Controller{
		client:           c.Client,
		notebooks:        c.Notebooks.Lister(),
		notebooksSynced:  c.Notebooks.Informer().HasSynced,
		runtime:          c.Runtime,
		probe:            c.Probe,
		probeInterval:    c.ProbeInterval,
		recorder:         c.Recorder,
		clock:            c.Clock,
		childBatchPeriod: batch,
		fieldManager:     c.FieldManager,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[cache.ObjectName](),
			workqueue.TypedRateLimitingQueueConfig[cache.ObjectName]{Name: Name, Clock: c.Clock},
		),
	}
	if ctrl.probe == nil {
		ctrl.probe = &JupyterProbe{Clock: c.Clock}
	}
	if ctrl.probeInterval <= 0 {
		ctrl.probeInterval = DefaultProbeInterval
	}
	if _, err := c.Notebooks.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    ctrl.enqueue,
		UpdateFunc: func(_, obj any) { ctrl.enqueue(obj) },
		DeleteFunc: ctrl.enqueue,
	}); err != nil {
		return nil, fmt.Errorf("watch notebooks: %w", err)
	}
	if err := c.Runtime.AddOwnerHandler(kind.GroupKind(), ctrl.enqueueAfterChildChange); err != nil {
		return nil, fmt.Errorf("watch the children of notebooks: %w", err)
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

// enqueueAfterChildChange syncs a notebook a batch period after one of its
// children changed; further changes in that period join the same sync.
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
	if !cache.WaitForNamedCacheSyncWithContext(ctx, c.notebooksSynced, c.runtime.HasSynced) {
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

// processNextWorkItem syncs one notebook; a failed sync is retried with
// exponential backoff.
func (c *Controller) processNextWorkItem(ctx context.Context) bool {
	key, shutdown := c.queue.Get()
	if shutdown {
		return false
	}
	defer c.queue.Done(key)

	logger := klog.FromContext(ctx).WithValues("notebook", klog.KRef(key.Namespace, key.Name))
	ctx = klog.NewContext(ctx, logger)
	err := c.sync(ctx, key)
	switch {
	case err == nil:
		c.queue.Forget(key)
	case apierrors.IsConflict(err):
		// The cache was behind the stored object; the next sync reads
		// the newer one.
		logger.V(4).Info("Conflict writing status, retrying", "err", err)
		c.queue.AddRateLimited(key)
	default:
		utilruntime.HandleErrorWithContext(ctx, err, "Syncing Notebook failed, retrying")
		c.queue.AddRateLimited(key)
	}
	return true
}
