package recurringrun

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/queue"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	mlinformers "ml.example.io/ml-apiserver/pkg/generated/informers/externalversions/ml/v1alpha1"
	mllisters "ml.example.io/ml-apiserver/pkg/generated/listers/ml/v1alpha1"
)

// Name is the controller's name, in logs and for the workqueue.
const Name = "recurringrun"

// kind is the group and version kind of the owner of the runs.
var kind = mlv1alpha1.SchemeGroupVersion.WithKind("RecurringRun")

// Config is what the controller needs.
type Config struct {
	// Client creates and deletes runs and writes the status.
	Client mlclientset.Interface
	// RecurringRuns, PipelineRuns and TrainingJobs are the informers of
	// the schedules and of the runs they start.
	RecurringRuns mlinformers.RecurringRunInformer
	PipelineRuns  mlinformers.PipelineRunInformer
	TrainingJobs  mlinformers.TrainingJobInformer
	// Recorder emits events about RecurringRuns.
	Recorder record.EventRecorder
	// Clock tells when runs are due.
	Clock clock.WithTicker
	// FieldManager is the field manager of writes.
	FieldManager string
	// MaxCatchUpRuns is the most missed runs catchUp starts at once
	// (--recurring-run-max-catch-up); 0 means mlv1alpha1.MaxCatchUpRuns.
	MaxCatchUpRuns int32
}

// Controller is the RecurringRun controller.
type Controller struct {
	client       mlclientset.Interface
	rrs          mllisters.RecurringRunLister
	plrs         mllisters.PipelineRunLister
	tjs          mllisters.TrainingJobLister
	synced       []cache.InformerSynced
	recorder     record.EventRecorder
	clock        clock.WithTicker
	fieldManager string
	maxCatchUp   int
	queue        *queue.Queue
}

// New returns the controller and registers its event handlers.
func New(c Config) (*Controller, error) {
	ctrl := &Controller{
		client:       c.Client,
		rrs:          c.RecurringRuns.Lister(),
		plrs:         c.PipelineRuns.Lister(),
		tjs:          c.TrainingJobs.Lister(),
		synced:       []cache.InformerSynced{c.RecurringRuns.Informer().HasSynced, c.PipelineRuns.Informer().HasSynced, c.TrainingJobs.Informer().HasSynced},
		recorder:     c.Recorder,
		clock:        c.Clock,
		fieldManager: c.FieldManager,
	}
	ctrl.maxCatchUp = int(c.MaxCatchUpRuns)
	if ctrl.maxCatchUp <= 0 {
		ctrl.maxCatchUp = mlv1alpha1.MaxCatchUpRuns
	}
	ctrl.queue = queue.New(queue.Options{Name: Name, Kind: "RecurringRun", Clock: c.Clock}, ctrl.sync)
	if _, err := c.RecurringRuns.Informer().AddEventHandler(ctrl.queue.EventHandler()); err != nil {
		return nil, fmt.Errorf("watch recurringruns: %w", err)
	}
	owners := cache.ResourceEventHandlerFuncs{
		AddFunc:    ctrl.enqueueOwner,
		UpdateFunc: func(_, obj any) { ctrl.enqueueOwner(obj) },
		DeleteFunc: ctrl.enqueueOwner,
	}
	if _, err := c.PipelineRuns.Informer().AddEventHandler(owners); err != nil {
		return nil, fmt.Errorf("watch pipelineruns: %w", err)
	}
	if _, err := c.TrainingJobs.Informer().AddEventHandler(owners); err != nil {
		return nil, fmt.Errorf("watch trainingjobs: %w", err)
	}
	return ctrl, nil
}

// enqueueOwner syncs the RecurringRun that started the run obj, which
// changed: a finished run frees a slot, is pruned, or updates
// lastSuccessfulTime; a run whose RecurringRun is gone is deleted.
func (c *Controller) enqueueOwner(obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	o, ok := obj.(metav1.Object)
	if !ok {
		return
	}
	if ref := metav1.GetControllerOf(o); ref != nil && ref.Kind == kind.Kind && ref.APIVersion == kind.GroupVersion().String() {
		c.queue.Add(cache.ObjectName{Namespace: o.GetNamespace(), Name: ref.Name})
	}
}

// Run waits for the caches, then runs workers until ctx is done, and
// returns once they have stopped.
func (c *Controller) Run(ctx context.Context, workers int) {
	c.queue.Run(ctx, workers, c.synced...)
}
