package model

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/queue"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	mlinformers "ml.example.io/ml-apiserver/pkg/generated/informers/externalversions/ml/v1alpha1"
	mllisters "ml.example.io/ml-apiserver/pkg/generated/listers/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// Name is the controller's name, in logs and for the workqueue.
const Name = "model"

// DefaultChildBatchPeriod is how long a sync waits after a change of a
// Deployment or Service, so that a rollout's many status changes are
// written to the model's status in few writes.
const DefaultChildBatchPeriod = time.Second

// Config is what the controller needs.
type Config struct {
	// Client writes the models' status.
	Client mlclientset.Interface
	// Models is the informer of Models.
	Models mlinformers.ModelInformer
	// Jobs is the informer of TrainingJobs, the sources of models.
	Jobs mlinformers.TrainingJobInformer
	// Runs is the informer of PipelineRuns, whose tasks' artifacts models
	// serve.
	Runs mlinformers.PipelineRunInformer
	// Pull says how the server pods get their model files.
	Pull PullConfig
	// Fetcher checks that a source can be read before its Deployment is
	// made; nil skips the check (the pods' pull step still fails).
	Fetcher workload.ArtifactFetcher
	// Runtime runs the models' Deployments and Services.
	Runtime workload.ServingRuntime
	// Recorder emits events about models.
	Recorder record.EventRecorder
	// Clock tells the time of conditions.
	Clock clock.WithTicker
	// ChildBatchPeriod delays syncs after changes of children; 0 means
	// DefaultChildBatchPeriod, a negative value no delay.
	ChildBatchPeriod time.Duration
	// FieldManager is the field manager of status writes.
	FieldManager string
}

// Controller is the Model controller.
type Controller struct {
	client       mlclientset.Interface
	models       mllisters.ModelLister
	modelsSynced cache.InformerSynced
	jobs         mllisters.TrainingJobLister
	jobsSynced   cache.InformerSynced
	runs         mllisters.PipelineRunLister
	runsSynced   cache.InformerSynced
	pull         PullConfig
	fetcher      workload.ArtifactFetcher
	runtime      workload.ServingRuntime
	recorder     record.EventRecorder
	clock        clock.WithTicker
	fieldManager string
	queue        *queue.Queue
}

// New returns the controller and registers its event handlers.
func New(c Config) (*Controller, error) {
	ctrl := &Controller{
		client:       c.Client,
		models:       c.Models.Lister(),
		modelsSynced: c.Models.Informer().HasSynced,
		jobs:         c.Jobs.Lister(),
		jobsSynced:   c.Jobs.Informer().HasSynced,
		runs:         c.Runs.Lister(),
		runsSynced:   c.Runs.Informer().HasSynced,
		pull:         c.Pull,
		fetcher:      c.Fetcher,
		runtime:      c.Runtime,
		recorder:     c.Recorder,
		clock:        c.Clock,
		fieldManager: c.FieldManager,
	}
	ctrl.queue = queue.New(queue.Options{
		Name: Name, Kind: "Model", Clock: c.Clock,
		ChildBatchPeriod: queue.BatchPeriod(c.ChildBatchPeriod, DefaultChildBatchPeriod),
	}, ctrl.sync)
	if _, err := c.Models.Informer().AddEventHandler(ctrl.queue.EventHandler()); err != nil {
		return nil, fmt.Errorf("watch models: %w", err)
	}
	if _, err := c.Jobs.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    ctrl.enqueueModelsOfJob,
		UpdateFunc: func(_, obj any) { ctrl.enqueueModelsOfJob(obj) },
		DeleteFunc: ctrl.enqueueModelsOfJob,
	}); err != nil {
		return nil, fmt.Errorf("watch trainingjobs: %w", err)
	}
	if _, err := c.Runs.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    ctrl.enqueueModelsOfRun,
		UpdateFunc: func(_, obj any) { ctrl.enqueueModelsOfRun(obj) },
		DeleteFunc: ctrl.enqueueModelsOfRun,
	}); err != nil {
		return nil, fmt.Errorf("watch pipelineruns: %w", err)
	}
	if err := c.Runtime.AddOwnerHandler(kind.GroupKind(), ctrl.queue.EnqueueAfterChildChange); err != nil {
		return nil, fmt.Errorf("watch the children of models: %w", err)
	}
	return ctrl, nil
}

// enqueueModelsOfJob syncs the models whose source (or canary's source)
// is the TrainingJob obj, which changed: a model waiting for its job
// starts serving once the job succeeds.
func (c *Controller) enqueueModelsOfJob(obj any) {
	c.enqueueModelsOf(obj, refersTo)
}

// enqueueModelsOfRun syncs the models whose source is an artifact of the
// PipelineRun obj, which changed.
func (c *Controller) enqueueModelsOfRun(obj any) {
	c.enqueueModelsOf(obj, refersToRun)
}

// enqueueModelsOf syncs the models of obj's namespace that refer to it.
func (c *Controller) enqueueModelsOf(obj any, refers func(*mlv1alpha1.Model, string) bool) {
	key, err := cache.DeletionHandlingObjectToName(obj)
	if err != nil {
		utilruntime.HandleError(err)
		return
	}
	models, err := c.models.Models(key.Namespace).List(labels.Everything())
	if err != nil {
		utilruntime.HandleError(err)
		return
	}
	for _, m := range models {
		if refers(m, key.Name) {
			c.queue.Add(cache.ObjectName{Namespace: m.Namespace, Name: m.Name})
		}
	}
}

// refersTo says whether m's source or its canary's is the job name, or
// an artifact of it.
func refersTo(m *mlv1alpha1.Model, job string) bool {
	for _, src := range sources(m) {
		if r := src.TrainingJobRef; r != nil && r.Name == job || src.Artifact != nil && src.Artifact.FromTrainingJob == job {
			return true
		}
	}
	return false
}

// refersToRun says whether m's source or its canary's is an artifact of
// the PipelineRun run.
func refersToRun(m *mlv1alpha1.Model, run string) bool {
	for _, src := range sources(m) {
		if src.Artifact != nil && src.Artifact.FromPipelineRun == run {
			return true
		}
	}
	return false
}

// sources are the model's source and its canary's.
func sources(m *mlv1alpha1.Model) []mlv1alpha1.ModelSource {
	out := []mlv1alpha1.ModelSource{m.Spec.Source}
	if m.Spec.Canary != nil {
		out = append(out, m.Spec.Canary.Source)
	}
	return out
}

// Run waits for the caches, then runs workers until ctx is done, and
// returns once they have stopped.
func (c *Controller) Run(ctx context.Context, workers int) {
	c.queue.Run(ctx, workers, c.modelsSynced, c.jobsSynced, c.runsSynced, c.runtime.HasSynced)
}

// producers are the listers of the objects whose artifacts models serve.
func (c *Controller) producers() producers { return producers{jobs: c.jobs, runs: c.runs} }
