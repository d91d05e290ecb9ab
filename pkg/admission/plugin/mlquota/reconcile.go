package mlquota

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
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
// now, as the informers show them, plus the charges admitted within the
// grace period that the informers do not show yet (in flight). So objects
// that are gone, finished (a TrainingJob that succeeded or failed), stopped
// or shrunk give their quota back, and charges of requests that failed
// after admission are forgotten. A record of a namespace without a quota
// is deleted: a quota added later starts a fresh one from the objects. A
// concurrent write makes it give up until the next round.
func (p *Plugin) reconcileNamespace(ctx context.Context, namespace string) error {
	rec, err := p.readRecord(ctx, namespace)
	if err != nil || rec.stored == nil {
		return err
	}
	limits, err := p.limits(namespace)
	if err != nil {
		return err
	}
	if len(limits) == 0 {
		rv := rec.stored.ResourceVersion
		err := p.client.CoreV1().ConfigMaps(p.systemNamespace).Delete(ctx, rec.stored.Name, metav1.DeleteOptions{
			Preconditions: &metav1.Preconditions{ResourceVersion: &rv},
		})
		if err != nil && !isRace(err) && !apierrors.IsNotFound(err) {
			return err
		}
		return nil
	}

	now := p.now()
	live := p.liveEntries(namespace)
	total := charge{}
	pending := map[string]entry{}
	for k, e := range rec.pending {
		if now.Sub(e.At.Time) < p.Grace {
			pending[k] = e
		}
	}
	for k, l := range live {
		c := l.charge()
		if e, ok := pending[k]; ok && e.UID == l.UID {
			// An admitted change the informer may not show yet.
			c = c.max(e.charge())
			if l.charge().equal(e.charge()) {
				delete(pending, k)
			}
		}
		total = total.add(c)
	}
	for k, e := range pending {
		if l, ok := live[k]; !ok || l.UID != e.UID {
			total = total.add(e.charge()) // created, not seen yet
		}
	}
	if total.equal(rec.used) && len(pending) == len(rec.pending) {
		return nil
	}
	rec.used, rec.pending = total, pending
	if err := p.writeRecord(ctx, rec); err != nil && !isRace(err) {
		return err
	}
	return nil
}
