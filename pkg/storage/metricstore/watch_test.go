package metricstore

import (
	"context"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// TestWatchAppends: a watcher is told of the owners that have series when
// it starts, and of every append afterwards, by any writer of the etcd.
func TestWatchAppends(t *testing.T) {
	client := startEtcd(t)
	ctx := t.Context()
	writer := NewEtcd(client, EtcdOptions{Prefix: "/test/metrics"})
	watcher := NewEtcd(client, EtcdOptions{Prefix: "/test/metrics"})
	old := Owner{Resource: "trainingjobs", Namespace: "ns", Name: "old", UID: "u1"}
	fresh := Owner{Resource: "pipelineruns", Namespace: "ns2", Name: "fresh", UID: "u2"}
	loss := []Series{{SeriesID: SeriesID{Name: "loss"}, Points: points(0, 3, func(int64) float64 { return 1 })}}
	if err := writer.Append(ctx, old, loss); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	seen := map[Owner]int{}
	watchCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	defer func() { cancel(); <-done }()
	go func() {
		done <- watcher.WatchAppends(watchCtx, func(o Owner) {
			mu.Lock()
			defer mu.Unlock()
			seen[o]++
		})
	}()
	count := func(o Owner) int {
		mu.Lock()
		defer mu.Unlock()
		return seen[o]
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		if err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
			return cond(), nil
		}); err != nil {
			t.Fatalf("%s: seen %v", what, seen)
		}
	}
	waitFor("the owner with series at start", func() bool { return count(old) == 1 })
	for range 2 {
		if err := writer.Append(ctx, fresh, loss); err != nil {
			t.Fatal(err)
		}
	}
	if err := writer.Append(ctx, old, loss); err != nil {
		t.Fatal(err)
	}
	waitFor("the appends", func() bool { return count(fresh) == 2 && count(old) == 2 })
	if err := writer.Delete(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("WatchAppends returned %v, want context.Canceled", err)
	}
	done <- nil
	if n := count(fresh); n != 2 {
		t.Errorf("a deletion was reported as an append: %d calls for %v", n, fresh)
	}
}
