package logstest

import (
	"context"
	"sync"

	"k8s.io/apimachinery/pkg/labels"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// Watching is a Source with a shared pod watch (workload.PodWatcher), like
// kube-apiserver's source: its subscriptions read the same pods without
// counting as reads of the Source, and hear of every change of a pod of
// their namespace.
type Watching struct {
	*Source

	mu sync.Mutex
	// subs are the open subscriptions' channels, by namespace; total
	// counts every subscription made.
	subs  map[string]map[chan struct{}]struct{}
	total int
}

var (
	_ workload.LogSource  = &Watching{}
	_ workload.PodWatcher = &Watching{}
)

// NewWatching returns s with a shared pod watch. s must have no other.
func NewWatching(s *Source) *Watching {
	w := &Watching{Source: s, subs: map[string]map[chan struct{}]struct{}{}}
	s.mu.Lock()
	s.onChange = w.notify
	s.mu.Unlock()
	return w
}

// WatchPods subscribes to the pods of namespace until ctx is done.
func (w *Watching) WatchPods(ctx context.Context, namespace string) (*workload.PodSubscription, error) {
	ch := make(chan struct{}, 1)
	w.mu.Lock()
	if w.subs[namespace] == nil {
		w.subs[namespace] = map[chan struct{}]struct{}{}
	}
	w.subs[namespace][ch] = struct{}{}
	w.total++
	w.mu.Unlock()
	context.AfterFunc(ctx, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		delete(w.subs[namespace], ch)
	})
	return &workload.PodSubscription{
		Pods:    cached{w.Source},
		Changed: ch,
		Covers:  func(map[string]string) bool { return true },
	}, nil
}

// Subscriptions are the open subscriptions, and all made so far.
func (w *Watching) Subscriptions() (open, total int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, subs := range w.subs {
		open += len(subs)
	}
	return open, w.total
}

// notify is called with the Source's lock held.
func (w *Watching) notify(ns string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for ch := range w.subs[ns] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// cached reads the Source's pods as a subscription does, uncounted.
type cached struct{ s *Source }

func (c cached) ListPods(_ context.Context, ns string, selector labels.Selector) ([]workload.Pod, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return c.s.listPods(ns, selector), nil
}

func (c cached) GetPod(_ context.Context, ns, name string) (*workload.Pod, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return c.s.getPod(ns, name)
}
