// Package queue is the workqueue and worker loop every controller in
// pkg/controller runs: keys of objects, rate-limited retries of failed
// syncs, conflicts retried quietly, and syncs batched after changes of
// an object's children.
package queue

import (
	"context"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
)

// SyncFunc brings one object, named by key, to its desired state.
type SyncFunc func(ctx context.Context, key cache.ObjectName) error

// Options configure a Queue.
type Options struct {
	// Name is the controller's name: the workqueue's name (its metrics)
	// and the "controller" value of its logs.
	Name string
	// Kind is the kind of the synced objects, in logs and errors
	// ("Syncing TrainingJob failed"); a worker logs the key under the
	// kind in lower camel case ("trainingJob").
	Kind string
	// Clock is the workqueue's clock; nil means the real clock.
	Clock clock.WithTicker
	// ChildBatchPeriod is how long EnqueueAfterChildChange waits, so that
	// the changes of several children join one sync; 0 means none.
	ChildBatchPeriod time.Duration
}

// Queue is a rate-limited workqueue of object keys with its workers.
type Queue struct {
	workqueue.TypedRateLimitingInterface[cache.ObjectName]
	name, kind, logKey string
	childBatchPeriod   time.Duration
	sync               SyncFunc
}

// New returns a queue whose workers call sync.
func New(o Options, sync SyncFunc) *Queue {
	c := o.Clock
	if c == nil {
		c = clock.RealClock{}
	}
	return &Queue{
		TypedRateLimitingInterface: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[cache.ObjectName](),
			workqueue.TypedRateLimitingQueueConfig[cache.ObjectName]{Name: o.Name, Clock: c},
		),
		name:             o.Name,
		kind:             o.Kind,
		logKey:           lowerFirst(o.Kind),
		childBatchPeriod: o.ChildBatchPeriod,
		sync:             sync,
	}
}

// BatchPeriod is the child batch period of a controller's configuration:
// 0 means def, a negative value no delay.
func BatchPeriod(configured, def time.Duration) time.Duration {
	switch {
	case configured == 0:
		return def
	case configured < 0:
		return 0
	}
	return configured
}

// Enqueue adds the key of obj, an object or a deleted object's tombstone.
func (q *Queue) Enqueue(obj any) {
	key, err := cache.DeletionHandlingObjectToName(obj)
	if err != nil {
		utilruntime.HandleError(err)
		return
	}
	q.Add(key)
}

// EventHandler enqueues every added, updated and deleted object.
func (q *Queue) EventHandler() cache.ResourceEventHandlerFuncs {
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    q.Enqueue,
		UpdateFunc: func(_, obj any) { q.Enqueue(obj) },
		DeleteFunc: q.Enqueue,
	}
}

// EnqueueAfterChildChange syncs an object a batch period after one of its
// children changed; further changes in that period join the same sync.
func (q *Queue) EnqueueAfterChildChange(key cache.ObjectName) {
	if q.childBatchPeriod <= 0 {
		q.Add(key)
		return
	}
	q.AddAfter(key, q.childBatchPeriod)
}

// Run waits for the caches, then runs workers until ctx is done, and
// returns once they have stopped.
func (q *Queue) Run(ctx context.Context, workers int, synced ...cache.InformerSynced) {
	defer utilruntime.HandleCrashWithContext(ctx)
	logger := klog.FromContext(ctx).WithValues("controller", q.name)
	ctx = klog.NewContext(ctx, logger)
	logger.Info("Starting controller", "workers", workers)
	defer logger.Info("Stopped controller")

	var wg sync.WaitGroup
	defer wg.Wait()
	defer q.ShutDown()
	if !cache.WaitForNamedCacheSyncWithContext(ctx, synced...) {
		return
	}
	for range workers {
		wg.Go(func() {
			wait.UntilWithContext(ctx, func(ctx context.Context) {
				for q.ProcessNext(ctx) {
				}
			}, time.Second)
		})
	}
	<-ctx.Done()
}

// ProcessNext syncs the next key; a failed sync is retried with
// exponential backoff. It returns false once the queue shut down.
func (q *Queue) ProcessNext(ctx context.Context) bool {
	key, shutdown := q.Get()
	if shutdown {
		return false
	}
	defer q.Done(key)

	logger := klog.FromContext(ctx).WithValues(q.logKey, klog.KRef(key.Namespace, key.Name))
	ctx = klog.NewContext(ctx, logger)
	err := q.sync(ctx, key)
	switch {
	case err == nil:
		q.Forget(key)
	case apierrors.IsConflict(err):
		// The cache was behind the stored object; the next sync reads
		// the newer one.
		logger.V(4).Info("Conflict writing status, retrying", "err", err)
		q.AddRateLimited(key)
	default:
		utilruntime.HandleErrorWithContext(ctx, err, "Syncing "+q.kind+" failed, retrying")
		q.AddRateLimited(key)
	}
	return true
}

func lowerFirst(s string) string {
	if s == "" {
		return "object"
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}
