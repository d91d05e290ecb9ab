package kubernetes

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	coreinformers "k8s.io/client-go/informers/core/v1"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// podWatchLinger is how long the shared pod watch runs on after its last
// subscriber left: follows that come and go one after another share one
// list.
const podWatchLinger = time.Minute

// podWatch is one watch of the pods the controller made (those labelled
// app.kubernetes.io/managed-by=ml-controller), in every namespace, shared
// by every log follow of the server. It runs while someone subscribes, and
// podWatchLinger after. Its cache keeps of each pod only what a log reader
// needs (see slimPod), so its memory is a few hundred bytes per pod,
// whatever the number of follows.
type podWatch struct {
	client   clientset.Interface
	selector labels.Selector
	linger   time.Duration

	mu sync.Mutex
	// run is the running watch, nil when stopped.
	run *podWatchRun
	// subscribers counts the subscriptions of run.
	subscribers int
	// stopTimer stops run podWatchLinger after the last subscriber left.
	stopTimer *time.Timer
}

// podWatchRun is one start of the shared informer.
type podWatchRun struct {
	informer cache.SharedIndexInformer
	stop     context.CancelFunc
	// subs are the subscribers' channels, by namespace.
	mu   sync.Mutex
	subs map[string]map[chan struct{}]struct{}
}

func newPodWatch(client clientset.Interface) *podWatch {
	return &podWatch{
		client:   client,
		selector: labels.SelectorFromSet(labels.Set{mlv1alpha1.ManagedByLabel: mlv1alpha1.ControllerName}),
		linger:   podWatchLinger,
	}
}

// subscribe returns a subscription to the pods of namespace, starting the
// watch if it is not running, and waits until its cache has synced.
// Cancelling ctx ends the subscription.
func (w *podWatch) subscribe(ctx context.Context, namespace string) (*workload.PodSubscription, error) {
	run := w.acquire()
	ch := make(chan struct{}, 1)
	run.mu.Lock()
	if run.subs[namespace] == nil {
		run.subs[namespace] = map[chan struct{}]struct{}{}
	}
	run.subs[namespace][ch] = struct{}{}
	run.mu.Unlock()
	release := func() {
		run.mu.Lock()
		delete(run.subs[namespace], ch)
		if len(run.subs[namespace]) == 0 {
			delete(run.subs, namespace)
		}
		run.mu.Unlock()
		w.release(run)
	}
	if !cache.WaitForCacheSync(ctx.Done(), run.informer.HasSynced) {
		release()
		return nil, fmt.Errorf("the shared pod watch did not sync: %w", context.Cause(ctx))
	}
	context.AfterFunc(ctx, release)
	return &workload.PodSubscription{
		Pods:    &cachedPods{indexer: run.informer.GetIndexer()},
		Changed: ch,
		Covers:  func(l map[string]string) bool { return w.selector.Matches(labels.Set(l)) },
	}, nil
}

// acquire returns the running watch, started if need be, counting one more
// subscriber.
func (w *podWatch) acquire() *podWatchRun {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopTimer != nil {
		w.stopTimer.Stop()
		w.stopTimer = nil
	}
	w.subscribers++
	if w.run != nil {
		return w.run
	}
	selector := w.selector.String()
	inf := coreinformers.NewFilteredPodInformer(w.client, metav1.NamespaceAll, 0,
		cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc, labelIndex: indexByLabel},
		func(o *metav1.ListOptions) { o.LabelSelector = selector })
	_ = inf.SetTransform(slimPod)
	ctx, cancel := context.WithCancel(context.Background())
	run := &podWatchRun{informer: inf, stop: cancel, subs: map[string]map[chan struct{}]struct{}{}}
	notify := func(obj any) {
		if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = d.Obj
		}
		if pod, ok := obj.(*corev1.Pod); ok {
			run.notify(pod.Namespace)
		}
	}
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    notify,
		UpdateFunc: func(_, obj any) { notify(obj) },
		DeleteFunc: notify,
	})
	go inf.RunWithContext(ctx)
	w.run = run
	return run
}

// release counts one subscriber less of run, and stops run w.linger after
// the last one left, unless another came meanwhile.
func (w *podWatch) release(run *podWatchRun) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.run != run {
		return
	}
	w.subscribers--
	if w.subscribers > 0 {
		return
	}
	w.stopTimer = time.AfterFunc(w.linger, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.run == run && w.subscribers == 0 {
			run.stop()
			w.run, w.stopTimer = nil, nil
		}
	})
}

// running says whether the shared informer runs, for tests.
func (w *podWatch) running() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.run != nil
}

// notify tells the subscribers of namespace that a pod changed; a
// subscriber that has not taken the last notice yet gets no second one.
func (r *podWatchRun) notify(namespace string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for ch := range r.subs[namespace] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// slimPod keeps of a pod what logPodOf reads: the cache holds one of these
// per pod the controller made.
func slimPod(obj any) (any, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return obj, nil
	}
	slim := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:            pod.Name,
			Namespace:       pod.Namespace,
			UID:             pod.UID,
			ResourceVersion: pod.ResourceVersion,
			Labels:          pod.Labels,
		},
		Status: corev1.PodStatus{Phase: pod.Status.Phase},
	}
	if ref := metav1.GetControllerOfNoCopy(pod); ref != nil {
		slim.OwnerReferences = []metav1.OwnerReference{{UID: ref.UID, Controller: ref.Controller}}
	}
	slim.Spec.Containers = make([]corev1.Container, len(pod.Spec.Containers))
	for i, c := range pod.Spec.Containers {
		slim.Spec.Containers[i].Name = c.Name
	}
	if len(pod.Status.ContainerStatuses) > 0 {
		slim.Status.ContainerStatuses = make([]corev1.ContainerStatus, len(pod.Status.ContainerStatuses))
		for i, cs := range pod.Status.ContainerStatuses {
			slim.Status.ContainerStatuses[i] = corev1.ContainerStatus{Name: cs.Name, RestartCount: cs.RestartCount}
		}
	}
	return slim, nil
}

// cachedPods reads the shared watch's cache.
type cachedPods struct {
	indexer cache.Indexer
}

var _ workload.PodReader = &cachedPods{}

// labelIndex indexes the cached pods by namespace and each of their labels,
// so that a follow's list of its object's pods (a selector such as
// ml.example.io/trainingjob=<name>) reads those pods, not every pod of the
// namespace.
const labelIndex = "namespaceLabel"

func indexByLabel(obj any) ([]string, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return nil, nil
	}
	keys := make([]string, 0, len(pod.Labels))
	for k, v := range pod.Labels {
		keys = append(keys, labelKey(pod.Namespace, k, v))
	}
	return keys, nil
}

func labelKey(namespace, key, value string) string {
	return namespace + "/" + key + "=" + value
}

// ListPods lists the cached pods of namespace that selector selects.
func (c *cachedPods) ListPods(_ context.Context, namespace string, selector labels.Selector) ([]workload.Pod, error) {
	objs, err := c.candidates(namespace, selector)
	if err != nil {
		return nil, err
	}
	var out []workload.Pod
	for _, obj := range objs {
		pod, ok := obj.(*corev1.Pod)
		if ok && selector.Matches(labels.Set(pod.Labels)) {
			out = append(out, logPodOf(pod))
		}
	}
	return out, nil
}

// candidates are the cached pods of namespace with the label of the
// selector's first equality requirement, or all of the namespace's.
func (c *cachedPods) candidates(namespace string, selector labels.Selector) ([]any, error) {
	if reqs, ok := selector.Requirements(); ok {
		for _, r := range reqs {
			if r.Operator() != selection.Equals && r.Operator() != selection.DoubleEquals && r.Operator() != selection.In || r.Values().Len() != 1 {
				continue
			}
			return c.indexer.ByIndex(labelIndex, labelKey(namespace, r.Key(), r.Values().List()[0]))
		}
	}
	return c.indexer.ByIndex(cache.NamespaceIndex, namespace)
}

// GetPod reads one cached pod.
func (c *cachedPods) GetPod(_ context.Context, namespace, name string) (*workload.Pod, error) {
	obj, exists, err := c.indexer.GetByKey(namespace + "/" + name)
	if err != nil {
		return nil, err
	}
	pod, ok := obj.(*corev1.Pod)
	if !exists || !ok {
		return nil, apierrors.NewNotFound(corev1.Resource("pods"), name)
	}
	p := logPodOf(pod)
	return &p, nil
}
