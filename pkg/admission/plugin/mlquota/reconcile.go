package mlquota

import (
	"context"
	"maps"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2"
)

// reconcileLoop recomputes every usage record from the objects each
// ReconcileInterval until stop is closed.
func (p *Plugin) reconcileLoop(stop <-chan struct{}) {
	ctx := wait.ContextForChannel(stop)
	wait.UntilWithContext(ctx, func(ctx context.Context) {
		if !p.gate.Ready() {
			return
		}
		p.reconcileAll(ctx)
	}, p.ReconcileInterval)
}

// reconcileAll reconciles the record of every namespace that has one.
func (p *Plugin) reconcileAll(ctx context.Context) {
	logger := klog.FromContext(ctx)
	list, err := p.client.CoreV1().ConfigMaps(p.systemNamespace).List(ctx, metav1.ListOptions{LabelSelector: RecordLabel})
	if err != nil {
		logger.V(2).Info("Listing quota usage records failed", "err", err)
		return
	}
	for _, cm := range list.Items {
		if ns := cm.Annotations[RecordNamespaceAnnotation]; ns != "" {
			if err := p.reconcileNamespace(ctx, ns); err != nil {
				logger.V(2).Info("Reconciling quota usage failed", "namespace", ns, "err", err)
			}
		}
	}
}

// reconcileNamespace makes a namespace's record say what its objects hold
// now: entries of objects that are gone (or were never created), or that
// hold nothing any more (finished, suspended, stopped), are dropped;
// charges that changed without admission (a decrease) are updated; objects
// missing from the record are added. Entries younger than Grace are left
// alone, as their request may still be in flight. A concurrent write makes
// it give up until the next round.
func (p *Plugin) reconcileNamespace(ctx context.Context, namespace string) error {
	rec, err := p.readRecord(ctx, namespace)
	if err != nil || rec.stored == nil {
		return err
	}
	live := p.liveEntries(namespace)
	now := p.now()
	entries := maps.Clone(rec.entries)
	for k, e := range rec.entries {
		if now.Sub(e.At.Time) < p.Grace {
			continue
		}
		l, ok := live[k]
		switch {
		case !ok:
			delete(entries, k)
		case l.UID != e.UID || !equality.Semantic.DeepEqual(l.charge(), e.charge()):
			l.At = e.At
			entries[k] = l
		}
	}
	for k, l := range live {
		if _, ok := rec.entries[k]; !ok && now.Sub(l.At.Time) >= p.Grace {
			entries[k] = l
		}
	}
	if equality.Semantic.DeepEqual(entries, rec.entries) {
		return nil
	}
	rec.entries = entries
	if err := p.writeRecord(ctx, rec); err != nil && !isRace(err) {
		return err
	}
	return nil
}
