package notebook

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
	client          mlclientset.Interface
	notebooks       mllisters.NotebookLister
	notebooksSynced cache.InformerSynced
	runtime         workload.ServingRuntime
	probe           ActivityProbe
	probeInterval   time.Duration
	recorder        record.EventRecorder
	clock           clock.WithTicker
	fieldManager    string
	queue           *queue.Queue
}

// New returns the controller and registers its event handlers.
func New(c Config) (*Controller, error) {
	ctrl := &Controller{
		client:          c.Client,
		notebooks:       c.Notebooks.Lister(),
		notebooksSynced: c.Notebooks.Informer().HasSynced,
		runtime:         c.Runtime,
		probe:           c.Probe,
		probeInterval:   c.ProbeInterval,
		recorder:        c.Recorder,
		clock:           c.Clock,
		fieldManager:    c.FieldManager,
	}
	ctrl.queue = queue.New(queue.Options{
		Name: Name, Kind: "Notebook", Clock: c.Clock,
		ChildBatchPeriod: queue.BatchPeriod(c.ChildBatchPeriod, DefaultChildBatchPeriod),
	}, ctrl.sync)
	if ctrl.probe == nil {
		ctrl.probe = &JupyterProbe{Clock: c.Clock}
	}
	if ctrl.probeInterval <= 0 {
		ctrl.probeInterval = DefaultProbeInterval
	}
	if _, err := c.Notebooks.Informer().AddEventHandler(ctrl.queue.EventHandler()); err != nil {
		return nil, fmt.Errorf("watch notebooks: %w", err)
	}
	if err := c.Runtime.AddOwnerHandler(kind.GroupKind(), ctrl.queue.EnqueueAfterChildChange); err != nil {
		return nil, fmt.Errorf("watch the children of notebooks: %w", err)
	}
	return ctrl, nil
}

// Run waits for the caches, then runs workers until ctx is done, and
// returns once they have stopped.
func (c *Controller) Run(ctx context.Context, workers int) {
	c.queue.Run(ctx, workers, c.notebooksSynced, c.runtime.HasSynced)
}
