package logarchive

import (
	"context"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	coreinformers "k8s.io/client-go/informers/core/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	"ml.example.io/ml-apiserver/pkg/controller/queue"
)

// Name is the controller's name, in logs and for the workqueue.
const Name = "logarchive"

// Config is what the controller needs.
type Config struct {
	// Pods is the informer of the pods the controllers made.
	Pods coreinformers.PodInformer
	// Archiver archives a pod's logs.
	Archiver Archiver
}

// Controller archives the logs of every pod of an ml.example.io object
// once the pod has ended (succeeded or failed), once per pod.
type Controller struct {
	pods     corelisters.PodLister
	synced   cache.InformerSynced
	archiver Archiver
	queue    *queue.Queue

	mu       sync.Mutex
	archived map[types.UID]bool
}

// New returns the controller and registers its event handlers.
func New(c Config) (*Controller, error) {
	ctrl := &Controller{
		pods:     c.Pods.Lister(),
		synced:   c.Pods.Informer().HasSynced,
		archiver: c.Archiver,
		archived: map[types.UID]bool{},
	}
	ctrl.queue = queue.New(queue.Options{Name: Name, Kind: "Pod"}, ctrl.sync)
	_, err := c.Pods.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    ctrl.onPod,
		UpdateFunc: func(_, obj any) { ctrl.onPod(obj) },
		DeleteFunc: ctrl.forget,
	})
	if err != nil {
		return nil, err
	}
	return ctrl, nil
}

// ended says whether a pod has ended: no container will write again. A
// pod being deleted (by a controller, the garbage collector, a TTL or a
// user) while it ran never reaches a final phase: its containers' last
// statuses, which the kubelet reports before the pod goes, say it.
func ended(pod *corev1.Pod) bool {
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return true
	}
	if pod.DeletionTimestamp == nil || len(pod.Status.ContainerStatuses) == 0 {
		return false
	}
	for _, s := range pod.Status.ContainerStatuses {
		if s.State.Terminated == nil {
			return false
		}
	}
	return true
}

func (c *Controller) onPod(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok || !ended(pod) {
		return
	}
	if _, _, ours := ownerOf(pod); !ours {
		return
	}
	c.mu.Lock()
	done := c.archived[pod.UID]
	c.mu.Unlock()
	if !done {
		c.queue.Add(cache.MetaObjectToName(pod))
	}
}

func (c *Controller) forget(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	if pod, ok := obj.(*corev1.Pod); ok {
		c.mu.Lock()
		delete(c.archived, pod.UID)
		c.mu.Unlock()
	}
}

// Run waits for the cache, then runs workers until ctx is done.
func (c *Controller) Run(ctx context.Context, workers int) {
	c.queue.Run(ctx, workers, c.synced)
}

// sync archives the logs of an ended pod once.
func (c *Controller) sync(ctx context.Context, key cache.ObjectName) error {
	pod, err := c.pods.Pods(key.Namespace).Get(key.Name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	kind, owner, ok := ownerOf(pod)
	if !ok || !ended(pod) {
		return nil
	}
	c.mu.Lock()
	done := c.archived[pod.UID]
	c.mu.Unlock()
	if done {
		return nil
	}
	err = c.archiver.Archive(ctx, kind, pod.Namespace, owner, pod.Name, string(pod.UID))
	switch {
	case apierrors.IsNotFound(err), apierrors.IsConflict(err):
		// The pod or its owner is gone, or the pod was replaced.
	case err != nil:
		return err
	}
	klog.FromContext(ctx).V(2).Info("Archived pod logs", "pod", klog.KObj(pod), "owner", owner, "kind", kind.Kind)
	c.mu.Lock()
	c.archived[pod.UID] = true
	c.mu.Unlock()
	return nil
}
