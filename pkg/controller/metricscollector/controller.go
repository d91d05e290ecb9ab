package metricscollector

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlinformers "ml.example.io/ml-apiserver/pkg/generated/informers/externalversions/ml/v1alpha1"
	mllisters "ml.example.io/ml-apiserver/pkg/generated/listers/ml/v1alpha1"
)

// Name is the controller's name, in logs and for the workqueue.
const Name = "metricscollector"

// Config is what the collector needs.
type Config struct {
	// Jobs is the informer of TrainingJobs.
	Jobs mlinformers.TrainingJobInformer
	// Pods is the informer of the pods the controllers made.
	Pods coreinformers.PodInformer
	// Logs opens pod logs.
	Logs LogStreamer
	// API appends points through the metrics subresource.
	API API
	// Clock stamps lines without a timestamp.
	Clock clock.PassiveClock
	// Access grants jobs' pods the right to push metrics; optional.
	Access *Access
}

// Controller starts and stops a follower per followed pod.
type Controller struct {
	jobs       mllisters.TrainingJobLister
	pods       corelisters.PodLister
	synced     []cache.InformerSynced
	logs       LogStreamer
	api        API
	clock      clock.PassiveClock
	access     *Access
	queue      workqueue.TypedRateLimitingInterface[cache.ObjectName]
	followers  sync.WaitGroup
	mu         sync.Mutex
	following  map[types.UID]followed
	done       map[types.UID]bool
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
		pods:      c.Pods.Lister(),
		synced:    []cache.InformerSynced{c.Jobs.Informer().HasSynced, c.Pods.Informer().HasSynced},
		logs:      c.Logs,
		api:       c.API,
		clock:     c.Clock,
		access:    c.Access,
		following: map[types.UID]followed{},
		done:      map[types.UID]bool{},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[cache.ObjectName](),
			workqueue.TypedRateLimitingQueueConfig[cache.ObjectName]{Name: Name}),
	}
	jobHandler := cache.ResourceEventHandlerFuncs{
		AddFunc:    ctrl.enqueue,
		UpdateFunc: func(_, obj any) { ctrl.enqueue(obj) },
		DeleteFunc: ctrl.enqueue,
	}
	if _, err := c.Jobs.Informer().AddEventHandler(jobHandler); err != nil {
		return nil, fmt.Errorf("watch trainingjobs: %w", err)
	}
	podHandler := cache.ResourceEventHandlerFuncs{
		AddFunc:    ctrl.enqueuePodJob,
		UpdateFunc: func(_, obj any) { ctrl.enqueuePodJob(obj) },
		DeleteFunc: ctrl.forgetPod,
	}
	if _, err := c.Pods.Informer().AddEventHandler(podHandler); err != nil {
		return nil, fmt.Errorf("watch pods: %w", err)
	}
	return ctrl, nil
}

func (c *Controller) enqueue(obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	if o, ok := obj.(metav1.Object); ok {
		c.queue.Add(cache.ObjectName{Namespace: o.GetNamespace(), Name: o.GetName()})
	}
}

func (c *Controller) enqueuePodJob(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	if job := pod.Labels[mlv1alpha1.TrainingJobNameLabel]; job != "" {
		c.queue.Add(cache.ObjectName{Namespace: pod.Namespace, Name: job})
	}
}

// forgetPod drops what is remembered of a deleted pod.
func (c *Controller) forgetPod(obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	if pod, ok := obj.(*corev1.Pod); ok {
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.done, pod.UID)
	}
}

// Run waits for the caches, runs workers until ctx is done, then stops
// every follower.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer utilruntime.HandleCrashWithContext(ctx)
	logger := klog.FromContext(ctx).WithValues("controller", Name)
	ctx = klog.NewContext(ctx, logger)
	c.runContext = ctx
	logger.Info("Starting controller", "workers", workers)
	defer logger.Info("Stopped controller")
	defer c.followers.Wait()
	defer c.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			wait.UntilWithContext(ctx, c.worker, time.Second)
		})
	}
	<-ctx.Done()
	c.queue.ShutDown()
	wg.Wait()
}

func (c *Controller) worker(ctx context.Context) {
	for c.processNext(ctx) {
	}
}

func (c *Controller) processNext(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)
	if err := c.sync(ctx, key); err != nil {
		utilruntime.HandleErrorWithContext(ctx, err, "Sync failed", "trainingJob", key)
		c.queue.AddRateLimited(key)
		return true
	}
	c.queue.Forget(key)
	return true
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
	pods, err := c.pods.Pods(job.Namespace).List(labels.SelectorFromSet(labels.Set{
		mlv1alpha1.TrainingJobNameLabel: job.Name,
		mlv1alpha1.ReplicaIndexLabel:    "0",
	}))
	if err != nil {
		return err
	}
	for _, pod := range pods {
		if !metav1.IsControlledBy(pod, job) || !started(pod) {
			continue
		}
		c.follow(job, pod, parser)
	}
	return nil
}

func collectorOf(job *mlv1alpha1.TrainingJob) mlv1alpha1.MetricsCollector {
	if job.Spec.Metrics == nil || job.Spec.Metrics.Collector == "" {
		return mlv1alpha1.MetricsCollectorStdOut
	}
	return job.Spec.Metrics.Collector
}

// started says whether the pod's container has a log to read.
func started(pod *corev1.Pod) bool {
	for _, s := range pod.Status.ContainerStatuses {
		if s.State.Running != nil || s.State.Terminated != nil {
			return true
		}
	}
	return pod.Status.Phase == corev1.PodRunning || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
}

// follow starts a follower of pod unless one runs or has read it to its end.
func (c *Controller) follow(job *mlv1alpha1.TrainingJob, pod *corev1.Pod, parser *Parser) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.following[pod.UID]; ok || c.done[pod.UID] {
		return
	}
	ctx, cancel := context.WithCancel(c.runContext)
	c.following[pod.UID] = followed{job: cache.ObjectName{Namespace: job.Namespace, Name: job.Name}, cancel: cancel}
	container := ""
	if len(pod.Spec.Containers) > 0 {
		container = pod.Spec.Containers[0].Name
	}
	namespace, name, uid := pod.Namespace, pod.Name, pod.UID
	f := &follower{
		namespace: job.Namespace, job: job.Name, pod: name, container: container,
		parser: parser, logs: c.logs, api: c.api, clock: c.clock,
		finished: func() bool {
			p, err := c.pods.Pods(namespace).Get(name)
			return err != nil || p.UID != uid || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
		},
	}
	c.followers.Go(func() {
		defer func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			delete(c.following, uid)
			if ctx.Err() == nil {
				c.done[uid] = true
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
