package mlquota

import (
	"context"
	"errors"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
)

// ReconcilerConfig is what the Reconciler reads and writes.
type ReconcilerConfig struct {
	// Client reads and writes the usage records.
	Client kubernetes.Interface
	// SystemNamespace holds the usage records: the one the admission
	// plugin was given.
	SystemNamespace string
	// Quotas are the namespaces' ResourceQuotas.
	Quotas coreinformers.ResourceQuotaInformer
	// Objects are the informers of the objects that hold quota.
	Objects externalversions.SharedInformerFactory
	// MLClient reads the pipeline snapshots of the runs in flight (their
	// pipeline subresource).
	MLClient versioned.Interface
	// Interval is how often every record is recomputed
	// (DefaultReconcileInterval when 0); Grace how long an entry written
	// by admission is left alone (DefaultGrace when 0).
	Interval, Grace time.Duration
}

// Reconciler recomputes the usage records the admission plugin charges
// from the objects, so that objects that are gone, finished or shrunk, and
// requests that failed after admission, hold nothing. One copy runs it:
// the leader of the controller manager.
type Reconciler struct {
	*ledger
	interval time.Duration
	synced   []cache.InformerSynced
}

// NewReconciler returns the reconciler of the usage records; the informers
// of config must be started by the caller.
func NewReconciler(config ReconcilerConfig) (*Reconciler, error) {
	if config.Client == nil || config.Quotas == nil || config.Objects == nil || config.SystemNamespace == "" {
		return nil, errors.New("the quota reconciler needs a Kubernetes client, ResourceQuota and object informers, and the system namespace")
	}
	l := newLedger()
	l.client, l.systemNamespace, l.mlClient = config.Client, config.SystemNamespace, config.MLClient
	if config.Grace > 0 {
		l.Grace = config.Grace
	}
	r := &Reconciler{ledger: l, interval: config.Interval, synced: []cache.InformerSynced{l.setQuotas(config.Quotas)}}
	if r.interval <= 0 {
		r.interval = DefaultReconcileInterval
	}
	for _, i := range l.setObjects(config.Objects) {
		r.synced = append(r.synced, i.synced)
	}
	return r, nil
}

// Run waits for the informers, then recomputes every usage record each
// interval until ctx is done. workers is ignored: the records are
// recomputed one after the other.
func (r *Reconciler) Run(ctx context.Context, _ int) {
	logger := klog.FromContext(ctx)
	if !cache.WaitForNamedCacheSyncWithContext(ctx, r.synced...) {
		return
	}
	logger.Info("Reconciling quota usage records", "namespace", r.systemNamespace, "interval", r.interval)
	wait.UntilWithContext(ctx, r.reconcileAll, r.interval)
}

// reconcileAll reconciles the record of every namespace that has one.
func (l *ledger) reconcileAll(ctx context.Context) {
	logger := klog.FromContext(ctx)
	list, err := l.client.CoreV1().ConfigMaps(l.systemNamespace).List(ctx, metav1.ListOptions{LabelSelector: RecordLabel})
	if err != nil {
		logger.V(2).Info("Listing quota usage records failed", "err", err)
		return
	}
	for _, cm := range list.Items {
		if ns := cm.Annotations[RecordNamespaceAnnotation]; ns != "" {
			if err := l.reconcileNamespace(ctx, ns); err != nil {
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
func (l *ledger) reconcileNamespace(ctx context.Context, namespace string) error {
	rec, err := l.readRecord(ctx, namespace)
	if err != nil || rec.stored == nil {
		return err
	}
	limits, err := l.limits(namespace)
	if err != nil {
		return err
	}
	if len(limits) == 0 {
		rv := rec.stored.ResourceVersion
		err := l.client.CoreV1().ConfigMaps(l.systemNamespace).Delete(ctx, rec.stored.Name, metav1.DeleteOptions{
			Preconditions: &metav1.Preconditions{ResourceVersion: &rv},
		})
		if err != nil && !isRace(err) && !apierrors.IsNotFound(err) {
			return err
		}
		return nil
	}

	now := l.now()
	live := l.liveEntries(namespace)
	total := charge{}
	pending := map[string]entry{}
	for k, e := range rec.pending {
		if now.Sub(e.At.Time) < l.Grace {
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
	if err := l.writeRecord(ctx, rec); err != nil && !isRace(err) {
		return err
	}
	return nil
}
