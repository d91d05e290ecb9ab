// Package ready is the readiness gate of the admission plugins: a plugin
// answers only once the informers it reads have synced, and refuses with
// 503 Service Unavailable (which clients retry) until then, rather than
// deciding on an empty cache.
package ready

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
)

// DefaultWait is how long a request waits for informers that have not
// synced yet before it is refused.
const DefaultWait = 5 * time.Second

// Gate says whether a plugin's informers have synced.
type Gate struct {
	plugin string
	// Wait is how long a request waits for the informers before it is
	// refused; zero refuses at once.
	Wait   time.Duration
	names  []string
	synced []cache.InformerSynced
	ok     atomic.Bool
}

// New returns a gate of plugin over no informers (always ready until Add).
func New(plugin string) *Gate {
	return &Gate{plugin: plugin, Wait: DefaultWait}
}

// Add makes the gate wait for an informer, named for the error message.
func (g *Gate) Add(name string, synced cache.InformerSynced) {
	g.names = append(g.names, name)
	g.synced = append(g.synced, synced)
}

// Ready says whether every informer has synced. Once true it stays true.
func (g *Gate) Ready() bool {
	if g.ok.Load() {
		return true
	}
	for _, s := range g.synced {
		if !s() {
			return false
		}
	}
	g.ok.Store(true)
	return true
}

// Check returns nil when the informers have synced, waiting up to
// g.Wait, and a 503 naming the plugin and the informers otherwise.
func (g *Gate) Check(ctx context.Context) error {
	if g.Ready() {
		return nil
	}
	if g.Wait > 0 {
		ctx, cancel := context.WithTimeout(ctx, g.Wait)
		defer cancel()
		_ = wait.PollUntilContextCancel(ctx, 50*time.Millisecond, true, func(context.Context) (bool, error) {
			return g.Ready(), nil
		})
		if g.Ready() {
			return nil
		}
	}
	var pending []string
	for i, s := range g.synced {
		if !s() {
			pending = append(pending, g.names[i])
		}
	}
	return apierrors.NewServiceUnavailable(fmt.Sprintf(
		"admission plugin %s is not ready: its informers (%s) have not synced yet; retry shortly",
		g.plugin, strings.Join(pending, ", ")))
}
