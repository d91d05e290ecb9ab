package trainingjob

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
const Name = "trainingjob"

// DefaultChildBatchPeriod is how long a sync waits after a change of a pod
// or Service, so that the changes of several replicas (all becoming ready,
// all succeeding) are handled, and written to status, at once.
const DefaultChildBatchPeriod = time.Second

// Config is what the controller needs.
type Config struct {
	// Client writes the jobs' status and deletes expired jobs.
	Client mlclientset.Interface
	// Jobs is the informer of TrainingJobs.
	Jobs mlinformers.TrainingJobInformer
	// Runtime runs the jobs' pods and Services.
	Runtime workload.Runtime
	// Recorder emits events about jobs.
	Recorder record.EventRecorder
	// Clock tells the time of deadlines, TTLs and conditions.
	Clock clock.WithTicker
	// ChildBatchPeriod delays syncs after changes of children; 0 means
	// DefaultChildBatchPeriod, a negative value no delay.
	ChildBatchPeriod time.Duration
	// FieldManager is the field manager of status writes.
	FieldManager string
	// BackoffBase and BackoffMax delay the replacement of a failed
	// replica: BackoffBase after the first failure, doubling after each,
	// at most BackoffMax. 0 means DefaultBackoffBase and
	// DefaultBackoffMax; a negative BackoffBase replaces at once.
	BackoffBase, BackoffMax time.Duration
}

// Controller is the TrainingJob controller.
type Controller struct {
	client       mlclientset.Interface
	jobs         mllisters.TrainingJobLister
	jobsSynced   cache.InformerSynced
	runtime      workload.Runtime
	recorder     record.EventRecorder
	clock        clock.WithTicker
	fieldManager string
	backoff      backoff
	queue        *queue.Queue
}

// New returns the controller and registers its event handlers.
func New(c Config) (*Controller, error) {
	ctrl := &Controller{
		client:       c.Client,
		jobs:         c.Jobs.Lister(),
		jobsSynced:   c.Jobs.Informer().HasSynced,
		runtime:      c.Runtime,
		recorder:     c.Recorder,
		clock:        c.Clock,
		fieldManager: c.FieldManager,
		backoff:      newBackoff(c.BackoffBase, c.BackoffMax),
	}
	ctrl.queue = queue.New(queue.Options{
		Name: Name, Kind: "TrainingJob", Clock: c.Clock,
		ChildBatchPeriod: queue.BatchPeriod(c.ChildBatchPeriod, DefaultChildBatchPeriod),
	}, ctrl.sync)
	if _, err := c.Jobs.Informer().AddEventHandler(ctrl.queue.EventHandler()); err != nil {
		return nil, fmt.Errorf("watch trainingjobs: %w", err)
	}
	if err := c.Runtime.AddOwnerHandler(kind.GroupKind(), ctrl.queue.EnqueueAfterChildChange); err != nil {
		return nil, fmt.Errorf("watch the children of trainingjobs: %w", err)
	}
	return ctrl, nil
}

// Run waits for the caches, then runs workers until ctx is done, and
// returns once they have stopped.
func (c *Controller) Run(ctx context.Context, workers int) {
	c.queue.Run(ctx, workers, c.jobsSynced, c.runtime.HasSynced)
}
