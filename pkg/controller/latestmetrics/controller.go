package latestmetrics

import (
	"context"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	mlinformers "ml.example.io/ml-apiserver/pkg/generated/informers/externalversions/ml/v1alpha1"
	listers "ml.example.io/ml-apiserver/pkg/generated/listers/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/storage/metricstore"
)

// Name is the controller's name, in logs.
const Name = "latestmetrics"

// DefaultInterval is how often status.latestMetrics of a job with new
// points is written, at most.
const DefaultInterval = 5 * time.Second

// MaxLatestMetrics bounds status.latestMetrics: the series first by name.
const MaxLatestMetrics = 32

// resource is the resource whose series the controller summarizes.
const resource = "trainingjobs"

// Store is what the controller reads of the metric store.
type Store interface {
	Read(ctx context.Context, owner metricstore.Owner, q metricstore.Query) ([]metricstore.Series, error)
	WatchAppends(ctx context.Context, fn func(metricstore.Owner)) error
}

// Config is what the controller needs.
type Config struct {
	// Client writes the status of TrainingJobs.
	Client mlclientset.Interface
	// Jobs is the informer of TrainingJobs.
	Jobs mlinformers.TrainingJobInformer
	// Store holds the metric series.
	Store Store
	// Interval is how often marked jobs are written (DefaultInterval when
	// 0).
	Interval time.Duration
	// FieldManager is the field manager of the status writes.
	FieldManager string
}

// Controller keeps status.latestMetrics of TrainingJobs up to date.
type Controller struct {
	client       mlclientset.Interface
	jobs         listers.TrainingJobLister
	synced       cache.InformerSynced
	store        Store
	interval     time.Duration
	fieldManager string

	mu    sync.Mutex
	dirty map[metricstore.Owner]struct{}
}

// New returns the controller.
func New(c Config) *Controller {
	interval := c.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	return &Controller{
		client:       c.Client,
		jobs:         c.Jobs.Lister(),
		synced:       c.Jobs.Informer().HasSynced,
		store:        c.Store,
		interval:     interval,
		fieldManager: c.FieldManager,
	}
}

// Run waits for the informer, follows the store's appends and writes the
// marked jobs every interval until ctx is done. workers is ignored: the
// writes are few and coalesced.
func (c *Controller) Run(ctx context.Context, _ int) {
	logger := klog.FromContext(ctx).WithName(Name)
	ctx = klog.NewContext(ctx, logger)
	if !cache.WaitForNamedCacheSyncWithContext(ctx, c.synced) {
		return
	}
	var watch sync.WaitGroup
	defer watch.Wait()
	watch.Go(func() {
		if err := c.store.WatchAppends(ctx, c.Touch); err != nil && ctx.Err() == nil {
			logger.Error(err, "Following metric appends stopped")
		}
	})
	logger.Info("Writing status.latestMetrics", "interval", c.interval)
	wait.UntilWithContext(ctx, c.Flush, c.interval)
}

// Touch marks owner for the next write, when it is a TrainingJob.
func (c *Controller) Touch(owner metricstore.Owner) {
	if owner.Resource != resource {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dirty == nil {
		c.dirty = map[metricstore.Owner]struct{}{}
	}
	c.dirty[owner] = struct{}{}
}

// Flush writes the marked jobs now. A job whose write conflicted is
// marked again.
func (c *Controller) Flush(ctx context.Context) {
	c.mu.Lock()
	dirty := c.dirty
	c.dirty = nil
	c.mu.Unlock()
	logger := klog.FromContext(ctx)
	for owner := range dirty {
		if err := c.write(ctx, owner); err != nil {
			logger.V(2).Info("Cannot update status.latestMetrics", "trainingJob", klog.KRef(owner.Namespace, owner.Name), "err", err)
			if apierrors.IsConflict(err) {
				c.Touch(owner)
			}
		}
	}
}

// write sets status.latestMetrics of owner from its series, unless the
// job is gone, was replaced (another UID), or already says so.
func (c *Controller) write(ctx context.Context, owner metricstore.Owner) error {
	job, err := c.jobs.TrainingJobs(owner.Namespace).Get(owner.Name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil || job.UID != owner.UID {
		return err
	}
	series, err := c.store.Read(ctx, owner, metricstore.Query{SummaryOnly: true})
	if err != nil {
		return err
	}
	latest := Latest(series)
	if equality.Semantic.DeepEqual(job.Status.LatestMetrics, latest) {
		return nil
	}
	job = job.DeepCopy()
	job.Status.LatestMetrics = latest
	_, err = c.client.MlV1alpha1().TrainingJobs(job.Namespace).UpdateStatus(ctx, job, metav1.UpdateOptions{FieldManager: c.fieldManager})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// Latest is the status.latestMetrics of series (sorted by task and name):
// the last values of the series without a task, at most MaxLatestMetrics.
func Latest(series []metricstore.Series) []mlv1alpha1.MetricValue {
	out := make([]mlv1alpha1.MetricValue, 0, min(len(series), MaxLatestMetrics))
	for _, s := range series {
		if s.Task != "" || len(out) == MaxLatestMetrics {
			continue
		}
		out = append(out, mlv1alpha1.MetricValue{Name: s.Name, Value: s.Last.Value, Step: s.Last.Step})
	}
	return out
}
