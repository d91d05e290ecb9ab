package queue

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
	testingclock "k8s.io/utils/clock/testing"
)

var key = cache.ObjectName{Namespace: "ns", Name: "job"}

func TestBatchPeriod(t *testing.T) {
	for _, tc := range []struct{ configured, want time.Duration }{
		{0, time.Second}, {-1, 0}, {250 * time.Millisecond, 250 * time.Millisecond},
	} {
		if got := BatchPeriod(tc.configured, time.Second); got != tc.want {
			t.Errorf("BatchPeriod(%v) = %v, want %v", tc.configured, got, tc.want)
		}
	}
}

func TestEnqueue(t *testing.T) {
	q := New(Options{Name: "test", Kind: "TrainingJob"}, nil)
	defer q.ShutDown()
	obj := &metav1.ObjectMeta{Namespace: "ns", Name: "job"}
	h := q.EventHandler()
	h.OnAdd(obj, false)
	h.OnUpdate(obj, obj)
	h.OnDelete(cache.DeletedFinalStateUnknown{Key: "ns/job", Obj: obj})
	if q.Len() != 1 {
		t.Fatalf("queue length %d, want 1: the same key is queued once", q.Len())
	}
	if got, _ := q.Get(); got != key {
		t.Errorf("queued %v, want %v", got, key)
	}
}

func TestEnqueueAfterChildChange(t *testing.T) {
	clk := testingclock.NewFakeClock(time.Now())
	q := New(Options{Name: "test", Kind: "TrainingJob", Clock: clk, ChildBatchPeriod: time.Second}, nil)
	defer q.ShutDown()
	q.EnqueueAfterChildChange(key)
	q.EnqueueAfterChildChange(key)
	if q.Len() != 0 {
		t.Fatalf("queued before the batch period: %d", q.Len())
	}
	clk.Step(2 * time.Second)
	if err := waitFor(func() bool { return q.Len() == 1 }); err != nil {
		t.Fatalf("after the batch period: %v (length %d, want 1)", err, q.Len())
	}

	now := New(Options{Name: "test", Kind: "TrainingJob"}, nil)
	defer now.ShutDown()
	now.EnqueueAfterChildChange(key)
	if now.Len() != 1 {
		t.Errorf("without a batch period the key is queued at once; length %d", now.Len())
	}
}

func TestProcessNext(t *testing.T) {
	conflict := apierrors.NewConflict(schema.GroupResource{Resource: "trainingjobs"}, "job", errors.New("changed"))
	for name, tc := range map[string]struct {
		err         error
		wantRequeue bool
	}{
		"success forgets the key": {nil, false},
		"failure is retried":      {errors.New("boom"), true},
		"conflict is retried":     {conflict, true},
	} {
		t.Run(name, func(t *testing.T) {
			var got []cache.ObjectName
			q := New(Options{Name: "test", Kind: "TrainingJob"}, func(_ context.Context, k cache.ObjectName) error {
				got = append(got, k)
				return tc.err
			})
			defer q.ShutDown()
			q.Add(key)
			if !q.ProcessNext(context.Background()) {
				t.Fatal("ProcessNext returned false with a key queued")
			}
			if len(got) != 1 || got[0] != key {
				t.Fatalf("synced %v, want [%v]", got, key)
			}
			if requeues := q.NumRequeues(key); (requeues > 0) != tc.wantRequeue {
				t.Errorf("requeues %d, want requeued: %v", requeues, tc.wantRequeue)
			}
		})
	}
	q := New(Options{Name: "test", Kind: "TrainingJob"}, nil)
	q.ShutDown()
	if q.ProcessNext(context.Background()) {
		t.Error("ProcessNext after shutdown returned true")
	}
}

func TestRun(t *testing.T) {
	var mu sync.Mutex
	synced := map[cache.ObjectName]int{}
	q := New(Options{Name: "test", Kind: "TrainingJob"}, func(_ context.Context, k cache.ObjectName) error {
		mu.Lock()
		defer mu.Unlock()
		synced[k]++
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		q.Run(ctx, 2, func() bool { return true })
	}()
	q.Add(key)
	if err := waitFor(func() bool { mu.Lock(); defer mu.Unlock(); return synced[key] == 1 }); err != nil {
		t.Errorf("key not synced by the workers: %v", err)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if !q.ShuttingDown() {
		t.Error("the queue is not shut down after Run returned")
	}

	// Caches that never sync: Run returns when ctx ends, syncing nothing.
	never := New(Options{Name: "test", Kind: "TrainingJob"}, func(context.Context, cache.ObjectName) error {
		t.Error("synced before the caches synced")
		return nil
	})
	never.Add(key)
	ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	never.Run(ctx, 1, func() bool { return false })
}

func waitFor(cond func() bool) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return errors.New("condition not met in 30s")
}
