package e2e

// The clients of TestAPIServerReplicas: writers, a watcher with informer
// semantics and a log follower, all through kube-apiserver, and the
// bookkeeping that decides whether a request failed for good.

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
)

// writeOp is a write a client saw succeed.
type writeOp struct {
	typ  watch.EventType
	name string
	// rv is the resourceVersion the write returned; 0 for a delete.
	rv int64
	at time.Time
}

// seenEvent is an event the watcher received.
type seenEvent struct {
	typ  watch.EventType
	name string
	rv   int64
}

// relist is a list the watcher made: when it started and the
// resourceVersion it returned.
type relist struct {
	at time.Time
	rv int64
}

// traffic is what the clients did and saw while replicas were killed.
type traffic struct {
	mu sync.Mutex
	// crashWindow is open from the SIGKILL of a replica that is still
	// listed as ready until the aggregator has seen it marked not ready:
	// the aggregator answers the requests it routes there 503, and
	// neither it nor client-go retries them.
	crashWindow bool
	failures    []string
	windowErrs  []string
	ops         []writeOp
	requests    int

	events  []seenEvent
	relists []relist
	// state is the watcher's view: name -> resourceVersion.
	state   map[string]int64
	watchRV int64

	lines      map[string]bool
	reconnects int
}

func newTraffic() *traffic {
	return &traffic{state: map[string]int64{}, lines: map[string]bool{}}
}

// failed records a request that failed after client-go's own retries.
func (tr *traffic) failed(what string, err error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.crashWindow && apierrors.IsServiceUnavailable(err) {
		tr.windowErrs = append(tr.windowErrs, fmt.Sprintf("%s: %v", what, err))
		return
	}
	tr.failures = append(tr.failures, fmt.Sprintf("%s %s: %v", time.Now().Format("15:04:05.000"), what, err))
}

func (tr *traffic) setCrashWindow(open bool) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.crashWindow = open
}

func (tr *traffic) wrote(typ watch.EventType, name, rv string) {
	n, _ := strconv.ParseInt(rv, 10, 64)
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.ops = append(tr.ops, writeOp{typ: typ, name: name, rv: n, at: time.Now()})
}

func (tr *traffic) counted() {
	tr.mu.Lock()
	tr.requests++
	tr.mu.Unlock()
}

// write creates, reads, updates and deletes Pipelines named w<id>-<n> until
// ctx ends. A write that failed leaves the object's later steps out.
func (tr *traffic) write(ctx context.Context, ml mlclientset.Interface, ns string, id int) {
	pls := ml.MlV1alpha1().Pipelines(ns)
	for i := 0; ctx.Err() == nil; i++ {
		// A steady pace, not a flood: the machine is shared.
		select {
		case <-ctx.Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
		name := fmt.Sprintf("w%d-%04d", id, i)
		tr.counted()
		created, err := pls.Create(ctx, mltesting.NewPipeline(name, ns).Obj(), metav1.CreateOptions{})
		if err != nil {
			if ctx.Err() == nil {
				tr.failed("create "+name, err)
			}
			continue
		}
		tr.wrote(watch.Added, name, created.ResourceVersion)
		tr.counted()
		if _, err := pls.Get(ctx, name, metav1.GetOptions{}); err != nil && ctx.Err() == nil {
			tr.failed("get "+name, err)
		}
		tr.counted()
		patched, err := pls.Patch(ctx, name, types.MergePatchType, []byte(`{"metadata":{"labels":{"step":"patched"}}}`), metav1.PatchOptions{})
		if err != nil {
			if ctx.Err() == nil {
				tr.failed("patch "+name, err)
			}
			continue
		}
		tr.wrote(watch.Modified, name, patched.ResourceVersion)
		if i%2 == 1 {
			// Every other object stays, so the final lists are not empty.
			continue
		}
		tr.counted()
		if err := pls.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			if ctx.Err() == nil {
				tr.failed("delete "+name, err)
			}
			continue
		}
		tr.wrote(watch.Deleted, name, "")
	}
}

// watchPipelines keeps the watcher's view of the namespace's Pipelines
// like an informer: a list, then a RetryWatcher from its resourceVersion
// (which re-establishes the watch by itself after a replica's death), and
// a new list only when the server says the resourceVersion is too old.
func (tr *traffic) watchPipelines(ctx context.Context, ml mlclientset.Interface, ns string) {
	pls := ml.MlV1alpha1().Pipelines(ns)
	lw := &cache.ListWatch{WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
		opts.AllowWatchBookmarks = true
		return pls.Watch(ctx, opts)
	}}
	needList := true
	for ctx.Err() == nil {
		if needList {
			tr.counted()
			started := time.Now()
			list, err := pls.List(ctx, metav1.ListOptions{})
			if err != nil {
				if ctx.Err() == nil {
					tr.failed("list", err)
				}
				time.Sleep(200 * time.Millisecond)
				continue
			}
			rv, _ := strconv.ParseInt(list.ResourceVersion, 10, 64)
			tr.mu.Lock()
			tr.relists = append(tr.relists, relist{at: started, rv: rv})
			tr.state = map[string]int64{}
			for _, p := range list.Items {
				tr.state[p.Name], _ = strconv.ParseInt(p.ResourceVersion, 10, 64)
			}
			tr.watchRV = rv
			tr.mu.Unlock()
			needList = false
		}
		tr.mu.Lock()
		from := strconv.FormatInt(tr.watchRV, 10)
		tr.mu.Unlock()
		rw, err := watchtools.NewRetryWatcherWithContext(ctx, from, lw)
		if err != nil {
			tr.failed("watch", err)
			return
		}
		needList = tr.consume(ctx, rw)
		rw.Stop()
	}
}

// consume applies the events of one RetryWatcher and reports whether the
// watcher must list again.
func (tr *traffic) consume(ctx context.Context, rw *watchtools.RetryWatcher) bool {
	for {
		select {
		case <-ctx.Done():
			return false
		case ev, ok := <-rw.ResultChan():
			if !ok {
				return false
			}
			if ev.Type == watch.Error {
				err := apierrors.FromObject(ev.Object)
				if apierrors.IsResourceExpired(err) || apierrors.IsGone(err) {
					return true
				}
				tr.failed("watch", err)
				return true
			}
			p, ok := ev.Object.(*mlv1alpha1.Pipeline)
			if !ok {
				tr.failed("watch", fmt.Errorf("unexpected %T in a %s event", ev.Object, ev.Type))
				continue
			}
			rv, _ := strconv.ParseInt(p.ResourceVersion, 10, 64)
			tr.mu.Lock()
			if ev.Type != watch.Bookmark {
				if rv <= tr.watchRV {
					tr.failures = append(tr.failures, fmt.Sprintf("watch: %s %s at resourceVersion %d after %d: out of order", ev.Type, p.Name, rv, tr.watchRV))
				}
				tr.events = append(tr.events, seenEvent{typ: ev.Type, name: p.Name, rv: rv})
				if ev.Type == watch.Deleted {
					delete(tr.state, p.Name)
				} else {
					tr.state[p.Name] = rv
				}
			}
			if rv > tr.watchRV {
				tr.watchRV = rv
			}
			tr.mu.Unlock()
		}
	}
}

// follow follows the log of replica 0 of a TrainingJob, and follows it
// again whenever the stream ends (the replica serving it died): every line
// seen is kept.
func (tr *traffic) follow(ctx context.Context, ml mlclientset.Interface, ns, job string) {
	for ctx.Err() == nil {
		tr.counted()
		rc, err := ml.MlV1alpha1().RESTClient().Get().Namespace(ns).Resource("trainingjobs").Name(job).
			SubResource("log").Param("follow", "true").Param("replica", "0").Stream(ctx)
		if err != nil {
			if ctx.Err() == nil {
				tr.failed("follow the log of "+job, err)
			}
			time.Sleep(200 * time.Millisecond)
			continue
		}
		s := bufio.NewScanner(rc)
		for s.Scan() {
			tr.mu.Lock()
			tr.lines[s.Text()] = true
			tr.mu.Unlock()
		}
		_ = rc.Close()
		tr.mu.Lock()
		tr.reconnects++
		tr.mu.Unlock()
	}
}

func (tr *traffic) sawLine(line string) bool {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.lines[line]
}

// missed returns the successful writes the watcher neither received nor
// covered by a list made after them.
func (tr *traffic) missed() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	seen := map[seenEvent]bool{}
	deleted := map[string]bool{}
	for _, ev := range tr.events {
		seen[ev] = true
		if ev.typ == watch.Deleted {
			deleted[ev.name] = true
		}
	}
	var out []string
	for _, op := range tr.ops {
		if op.typ == watch.Deleted && deleted[op.name] || seen[seenEvent{typ: op.typ, name: op.name, rv: op.rv}] {
			continue
		}
		// A list covers the writes it shows (a resourceVersion at least
		// theirs), and the deletes done before it started.
		covered := false
		for _, l := range tr.relists {
			covered = covered || (op.typ == watch.Deleted && l.at.After(op.at)) || (op.typ != watch.Deleted && l.rv >= op.rv)
		}
		if !covered {
			out = append(out, fmt.Sprintf("%s %s (resourceVersion %d)", op.typ, op.name, op.rv))
		}
	}
	return out
}
