package metricscollector

import (
	"context"
	"fmt"
	"io"
	"math"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/queue"
	mlinformers "ml.example.io/ml-apiserver/pkg/generated/informers/externalversions/ml/v1alpha1"
	mllisters "ml.example.io/ml-apiserver/pkg/generated/listers/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// Name is the controller's name, in logs and for the workqueue.
const Name = "metricscollector"

// Config is what the collector needs.
type Config struct {
	// Jobs is the informer of TrainingJobs.
	Jobs mlinformers.TrainingJobInformer
	// Replicas runs the jobs' replicas: pods through kube-apiserver, or
	// processes in standalone mode. The collector lists a job's replicas
	// there and hears of their changes.
	Replicas workload.Runtime
	// Logs opens replica logs.
	Logs LogStreamer
	// API appends points through the metrics subresource.
	API API
	// Clock stamps lines without a timestamp.
	Clock clock.PassiveClock
	// Access grants jobs' pods the right to push metrics; optional.
	Access *Access
	// MaxSeries bounds the series the collector creates per job
	// (metricstore.DefaultMaxSeriesPerObject when 0); a lower cap of the
	// server (--metrics-max-series-per-object) applies as soon as the
	// server refuses new series.
	MaxSeries int
}

// Controller starts and stops a follower per followed pod.
type Controller struct {
	jobs      mllisters.TrainingJobLister
	replicas  workload.Runtime
	synced    []cache.InformerSynced
	logs      LogStreamer
	api       API
	clock     clock.PassiveClock
	access    *Access
	maxSeries int
	queue     *queue.Queue
	followers sync.WaitGroup
	mu        sync.Mutex
	following map[types.UID]followed
	// done are the replicas read to their end, by the job they belong to.
	done       map[types.UID]cache.ObjectName
	runContext context.Context
}

// followed is a running follower.
type followed struct {
	job    cache.ObjectName
	cancel context.CancelFunc
}

// New returns the collector and registers its event handlers.
func New(c Config) (*Controller, error) {
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	ctrl := &Controller{
		jobs:      c.Jobs.Lister(),
		replicas:  c.Replicas,
		synced:    []cache.InformerSynced{c.Jobs.Informer().HasSynced, c.Replicas.HasSynced},
		logs:      c.Logs,
		api:       c.API,
		clock:     c.Clock,
		access:    c.Access,
		maxSeries: c.MaxSeries,
		following: map[types.UID]followed{},
		done:      map[types.UID]cache.ObjectName{},
	}
	ctrl.queue = queue.New(queue.Options{Name: Name, Kind: "TrainingJob"}, ctrl.sync)
	if _, err := c.Jobs.Informer().AddEventHandler(ctrl.queue.EventHandler()); err != nil {
		return nil, fmt.Errorf("watch trainingjobs: %w", err)
	}
	if err := c.Replicas.AddOwnerHandler(jobKind.GroupKind(), func(job cache.ObjectName) { ctrl.queue.Add(job) }); err != nil {
		return nil, fmt.Errorf("watch replicas: %w", err)
	}
	return ctrl, nil
}

// Run waits for the caches, runs workers until ctx is done, then stops
// every follower.
func (c *Controller) Run(ctx context.Context, workers int) {
	c.runContext = klog.NewContext(ctx, klog.FromContext(ctx).WithValues("controller", Name))
	defer c.followers.Wait()
	c.queue.Run(ctx, workers, c.synced...)
}

// sync grants the job's pods the right to push metrics, follows the log
// of replica 0 of a StdOut job, and stops following the pods of a job that
// is gone or collects otherwise.
func (c *Controller) sync(ctx context.Context, key cache.ObjectName) error {
	job, err := c.jobs.TrainingJobs(key.Namespace).Get(key.Name)
	if apierrors.IsNotFound(err) {
		c.stopJob(key)
		return nil
	}
	if err != nil {
		return err
	}
	collector := collectorOf(job)
	if c.access != nil && collector != mlv1alpha1.MetricsCollectorNone && job.DeletionTimestamp == nil {
		if err := c.access.Ensure(ctx, job); err != nil {
			return err
		}
	}
	if collector != mlv1alpha1.MetricsCollectorStdOut {
		c.stopJob(key)
		return nil
	}
	format := ""
	if job.Spec.Metrics != nil {
		format = job.Spec.Metrics.Format
	}
	parser, err := NewParser(format)
	if err != nil {
		// The job's format is wrong; nothing to retry until it changes.
		klog.FromContext(ctx).Info("Not collecting metrics", "trainingJob", klog.KObj(job), "err", err)
		return nil
	}
	replicas, err := c.replicas.ListReplicas(ownerOf(job))
	if err != nil {
		return err
	}
	c.forgetGone(key, replicas)
	// Replica 0: the chief or launcher of a job with roles, or its
	// first worker.
	primary := mlv1alpha1.PrimaryRole(&job.Spec)
	for _, r := range replicas {
		if r.Labels[mlv1alpha1.ReplicaIndexLabel] != "0" || r.Labels[mlv1alpha1.ReplicaRoleLabel] != primary || !started(r) {
			continue
		}
		c.follow(job, r, parser)
	}
	return nil
}

func collectorOf(job *mlv1alpha1.TrainingJob) mlv1alpha1.MetricsCollector {
	if job.Spec.Metrics == nil || job.Spec.Metrics.Collector == "" {
		return mlv1alpha1.MetricsCollectorStdOut
	}
	return job.Spec.Metrics.Collector
}

// jobKind is the kind of the owners of the replicas followed.
var jobKind = mlv1alpha1.SchemeGroupVersion.WithKind("TrainingJob")

// ownerOf is the job as the owner of its replicas, as the TrainingJob
// controller names it.
func ownerOf(job *mlv1alpha1.TrainingJob) workload.Owner {
	return workload.NewOwner(job, jobKind, map[string]string{mlv1alpha1.TrainingJobNameLabel: job.Name})
}

// started says whether the replica has a log to read.
func started(r workload.ReplicaStatus) bool {
	return r.Phase == workload.PhaseRunning || r.Finished()
}

// forgetGone drops what is remembered of the job's replicas that are gone.
func (c *Controller) forgetGone(job cache.ObjectName, replicas []workload.ReplicaStatus) {
	present := map[types.UID]bool{}
	for _, r := range replicas {
		present[types.UID(r.UID)] = true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for uid, of := range c.done {
		if of == job && !present[uid] {
			delete(c.done, uid)
		}
	}
}

// follow starts a follower of replica r unless one runs or has read it to
// its end.
func (c *Controller) follow(job *mlv1alpha1.TrainingJob, r workload.ReplicaStatus, parser *Parser) {
	uid := types.UID(r.UID)
	key := cache.ObjectName{Namespace: job.Namespace, Name: job.Name}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.following[uid]; ok {
		return
	}
	if _, ok := c.done[uid]; ok {
		return
	}
	ctx, cancel := context.WithCancel(c.runContext)
	c.following[uid] = followed{job: key, cancel: cancel}
	owner, name := ownerOf(job), r.Name
	f := &follower{
		namespace: job.Namespace, job: job.Name, pod: name,
		parser: parser, logs: c.logs, api: c.api, clock: c.clock, maxSeries: c.maxSeries,
		finished: func() bool {
			replicas, err := c.replicas.ListReplicas(owner)
			if err != nil {
				return false
			}
			for _, now := range replicas {
				if now.Name == name {
					return now.UID != r.UID || now.Finished()
				}
			}
			return true
		},
	}
	c.followers.Go(func() {
		defer func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			delete(c.following, uid)
			if ctx.Err() == nil {
				c.done[uid] = key
			}
			cancel()
		}()
		f.run(ctx)
	})
}

// stopJob stops the followers of a job's pods.
func (c *Controller) stopJob(key cache.ObjectName) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range c.following {
		if f.job == key {
			f.cancel()
		}
	}
}

// KubeLogs is a LogStreamer over kube-apiserver's pods/log.
type KubeLogs struct {
	Client kubernetes.Interface
}

var _ LogStreamer = KubeLogs{}

// StreamLog implements LogStreamer.
func (k KubeLogs) StreamLog(ctx context.Context, namespace, pod, container string, sinceTime *metav1.Time) (io.ReadCloser, error) {
	return k.Client.CoreV1().Pods(namespace).GetLogs(pod, &corev1.PodLogOptions{
		Container:  container,
		Follow:     true,
		Timestamps: true,
		SinceTime:  sinceTime,
	}).Stream(ctx)
}

// SourceLogs is a LogStreamer over the log subresource's source of live
// logs: the local processes' log files in standalone mode.
type SourceLogs struct {
	Source workload.LogSource
}

var _ LogStreamer = SourceLogs{}

// StreamLog implements LogStreamer. The source counts in whole seconds:
// lines of the second of sinceTime are read again, and the follower drops
// the steps it already stored.
func (s SourceLogs) StreamLog(ctx context.Context, namespace, pod, container string, sinceTime *metav1.Time) (io.ReadCloser, error) {
	o := workload.PodLogOptions{Container: container, Follow: true, Timestamps: true}
	if sinceTime != nil {
		seconds := int64(math.Ceil(time.Since(sinceTime.Time).Seconds())) + 1
		o.SinceSeconds = &seconds
	}
	return s.Source.Stream(ctx, namespace, pod, o)
}
