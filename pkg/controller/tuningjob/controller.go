package tuningjob

import (
	"context"
	"fmt"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/queue"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	mlinformers "ml.example.io/ml-apiserver/pkg/generated/informers/externalversions/ml/v1alpha1"
	mllisters "ml.example.io/ml-apiserver/pkg/generated/listers/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/tuning/algorithm"
)

// Name is the controller's name, in logs and for the workqueue.
const Name = "tuningjob"

// DefaultPollInterval is how often the metrics of running trials are read.
const DefaultPollInterval = 5 * time.Second

// kind is the group and version kind of the owner of the trials.
var kind = mlv1alpha1.SchemeGroupVersion.WithKind("TuningJob")

// Config is what the controller needs.
type Config struct {
	// Client creates, stops and deletes trials and writes the status.
	Client mlclientset.Interface
	// TuningJobs is the informer of the searches, TrainingJobs and
	// PipelineRuns of their trials.
	TuningJobs   mlinformers.TuningJobInformer
	TrainingJobs mlinformers.TrainingJobInformer
	PipelineRuns mlinformers.PipelineRunInformer
	// Metrics reads the trials' objective series.
	Metrics MetricSource
	// Recorder emits events about TuningJobs.
	Recorder record.EventRecorder
	// Clock stamps conditions and paces the polling of metrics.
	Clock clock.WithTicker
	// FieldManager is the field manager of writes.
	FieldManager string
	// PollInterval is how often the metrics of running trials are read;
	// 0 means DefaultPollInterval.
	PollInterval time.Duration
}

// Controller is the TuningJob controller.
type Controller struct {
	client       mlclientset.Interface
	tuns         mllisters.TuningJobLister
	tjs          mllisters.TrainingJobLister
	runs         mllisters.PipelineRunLister
	synced       []cache.InformerSynced
	metrics      MetricSource
	recorder     record.EventRecorder
	clock        clock.WithTicker
	fieldManager string
	poll         time.Duration
	queue        *queue.Queue

	// finished caches the series of finished trials: they report no
	// more, and the median rule reads them at every sync.
	mu       sync.Mutex
	finished map[trialKey][]algorithm.Point
}

// trialKey names one trial's TrainingJob or PipelineRun, the UID telling
// apart an object deleted and created again under its name.
type trialKey struct {
	namespace, name string
	uid             types.UID
}

// New returns the controller and registers its event handlers.
func New(c Config) (*Controller, error) {
	ctrl := &Controller{
		client: c.Client,
		tuns:   c.TuningJobs.Lister(),
		tjs:    c.TrainingJobs.Lister(),
		runs:   c.PipelineRuns.Lister(),
		synced: []cache.InformerSynced{c.TuningJobs.Informer().HasSynced, c.TrainingJobs.Informer().HasSynced,
			c.PipelineRuns.Informer().HasSynced},
		metrics:      c.Metrics,
		recorder:     c.Recorder,
		clock:        c.Clock,
		fieldManager: c.FieldManager,
		poll:         c.PollInterval,
		finished:     map[trialKey][]algorithm.Point{},
	}
	if ctrl.poll <= 0 {
		ctrl.poll = DefaultPollInterval
	}
	ctrl.queue = queue.New(queue.Options{Name: Name, Kind: "TuningJob", Clock: c.Clock}, ctrl.sync)
	if _, err := c.TuningJobs.Informer().AddEventHandler(ctrl.queue.EventHandler()); err != nil {
		return nil, fmt.Errorf("watch tuningjobs: %w", err)
	}
	trials := cache.ResourceEventHandlerFuncs{
		AddFunc:    ctrl.enqueueOwner,
		UpdateFunc: func(_, obj any) { ctrl.enqueueOwner(obj) },
		DeleteFunc: ctrl.enqueueOwner,
	}
	if _, err := c.TrainingJobs.Informer().AddEventHandler(trials); err != nil {
		return nil, fmt.Errorf("watch trainingjobs: %w", err)
	}
	if _, err := c.PipelineRuns.Informer().AddEventHandler(trials); err != nil {
		return nil, fmt.Errorf("watch pipelineruns: %w", err)
	}
	return ctrl, nil
}

// enqueueOwner syncs the TuningJob of the trial obj, which changed.
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
