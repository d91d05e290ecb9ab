package ready

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

func TestGate(t *testing.T) {
	var quotas, namespaces atomic.Bool
	g := New("Example")
	g.Wait = 0
	g.Add("resourcequotas", quotas.Load)
	g.Add("namespaces", namespaces.Load)

	err := g.Check(t.Context())
	if !apierrors.IsServiceUnavailable(err) {
		t.Fatalf("before sync: want 503, got %v", err)
	}
	for _, want := range []string{"admission plugin Example is not ready", "resourcequotas, namespaces"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	quotas.Store(true)
	if err := g.Check(t.Context()); err == nil || strings.Contains(err.Error(), "resourcequotas") {
		t.Errorf("one informer synced: want a 503 naming namespaces only, got %v", err)
	}

	// A request waits up to Wait for the informers.
	g.Wait = 5 * time.Second
	go func() {
		time.Sleep(50 * time.Millisecond)
		namespaces.Store(true)
	}()
	if err := g.Check(t.Context()); err != nil {
		t.Errorf("informers synced while waiting: %v", err)
	}
	namespaces.Store(false)
	if !g.Ready() {
		t.Error("a gate that was ready must stay ready")
	}
}
