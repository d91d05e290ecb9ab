// Package mlquota is the MLQuota admission plugin. It refuses, when an
// object is written, a TrainingJob, Model, Notebook or PipelineRun whose
// pods would take a namespace past one of its core ResourceQuotas, so the
// user gets a clear 403 at `kubectl apply` or `kubectl scale` time instead
// of pods stuck Pending.
//
// What an object holds is replicas x what one pod requests (GPUs as
// nvidia.com/gpu and any extended resource, cpu, memory; requests.* and
// bare names as ResourceQuota counts them, limits.* too, and pods), for
// the objects that run pods: a finished or suspended TrainingJob and a
// stopped Notebook hold nothing. A PipelineRun holds, until it ends, the
// peak of its task pods: what the tasks that can run at the same time
// request, bounded by spec.parallelism (see pipelinerun.go); a TuningJob
// its peak of parallel trials, which its trials do not hold again (see
// tuningjob.go). Quotas with
// scopes are not evaluated.
//
// The sum is not taken from informers, which would let concurrent
// requests each see the same room: every charge is a compare-and-swap on
// the namespace's usage record (see record.go). Usage is released at once
// when an object is deleted, and a reconciler (Reconciler, run by the
// controller manager under its leader lease) recounts every record from
// the objects periodically, so objects that are gone, finished or shrunk,
// and requests that failed after admission, hold nothing.
//
// It needs the core Kubernetes API (ResourceQuotas and a place for the
// record), so it runs in aggregated mode only.
package mlquota

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/admission"
	genericinitializer "k8s.io/apiserver/pkg/admission/initializer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	scalescheme "k8s.io/client-go/scale/scheme"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/admission/initializer"
	"ml.example.io/ml-apiserver/pkg/admission/ready"
	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
)

// PluginName is the name of the plugin, for --disable-admission-plugins.
const PluginName = "MLQuota"

// Defaults of the reconciler (Reconciler).
const (
	// DefaultReconcileInterval is how often usage records are recomputed
	// from the objects.
	DefaultReconcileInterval = 30 * time.Second
	// DefaultGrace is how long an entry written by admission is left alone
	// by the reconciler, as its request may still be in flight.
	DefaultGrace = 30 * time.Second
	// maxAttempts bounds the compare-and-swap retries of one request.
	maxAttempts = 100
)

// Register registers the plugin.
func Register(plugins *admission.Plugins) {
	plugins.Register(PluginName, func(io.Reader) (admission.Interface, error) {
		return New(), nil
	})
}

// Plugin charges the pods of objects against the namespace's ResourceQuotas.
type Plugin struct {
	*admission.Handler
	// ledger reads and writes the usage records; the Reconciler shares
	// its code.
	*ledger
	gate     *ready.Gate
	mlClient versioned.Interface
}

var (
	_ admission.ValidationInterface                       = &Plugin{}
	_ genericinitializer.WantsExternalKubeInformerFactory = &Plugin{}
	_ genericinitializer.WantsExternalKubeClientSet       = &Plugin{}
	_ initializer.WantsMLInformerFactory                  = &Plugin{}
	_ initializer.WantsMLClient                           = &Plugin{}
	_ initializer.WantsSystemNamespace                    = &Plugin{}
	_ initializer.WantsRecordClient                       = &Plugin{}
)

// New returns the plugin; it needs the initializers before use.
func New() *Plugin {
	return &Plugin{
		Handler: admission.NewHandler(admission.Create, admission.Update, admission.Delete),
		ledger:  newLedger(),
		gate:    ready.New(PluginName),
	}
}

// SetExternalKubeInformerFactory reads ResourceQuotas from the shared informer.
func (p *Plugin) SetExternalKubeInformerFactory(f informers.SharedInformerFactory) {
	p.gate.Add("resourcequotas", p.setQuotas(f.Core().V1().ResourceQuotas()))
}

// SetExternalKubeClientSet reads and writes the usage records, unless a
// record client is set.
func (p *Plugin) SetExternalKubeClientSet(c kubernetes.Interface) {
	if p.client == nil {
		p.client = c
	}
}

// SetRecordClient reads and writes the usage records with a client of
// their own, whose rate limit lets concurrent charges through.
func (p *Plugin) SetRecordClient(c kubernetes.Interface) { p.client = c }

// SetMLInformerFactory reads the objects that hold quota.
func (p *Plugin) SetMLInformerFactory(f externalversions.SharedInformerFactory) {
	for _, i := range p.setObjects(f) {
		p.gate.Add(i.resource, i.synced)
	}
}

// SetMLClient reads objects the informers have not seen yet.
func (p *Plugin) SetMLClient(c versioned.Interface) { p.mlClient, p.ledger.mlClient = c, c }

// SetSystemNamespace is where the usage records are kept.
func (p *Plugin) SetSystemNamespace(ns string) { p.systemNamespace = ns }

// Gate is the plugin's readiness gate; tests shorten its wait.
func (p *Plugin) Gate() *ready.Gate { return p.gate }

// ValidateInitialization checks what the plugin got. The reconciler of
// the records is not the plugin's: it runs under the controller manager
// (Reconciler), so that of several API servers only the leader runs it.
func (p *Plugin) ValidateInitialization() error {
	switch {
	case p.quotas == nil || p.client == nil:
		return fmt.Errorf("%s: missing ResourceQuota informer or Kubernetes client (it needs a Kubernetes API: disable it in standalone mode)", PluginName)
	case p.jobs == nil || p.mlClient == nil:
		return fmt.Errorf("%s: missing ml.example.io informers or client", PluginName)
	case p.systemNamespace == "":
		return fmt.Errorf("%s: missing the system namespace for usage records", PluginName)
	}
	return nil
}

// charged are the resources whose objects hold quota.
var charged = map[string]bool{"trainingjobs": true, "models": true, "notebooks": true, "pipelineruns": true, "tuningjobs": true}

// limit is one resource limited by one quota.
type limit struct {
	quota string
	key   corev1.ResourceName
	hard  resource.Quantity
}

// Validate charges the request's pods against the namespace's quotas.
func (p *Plugin) Validate(ctx context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	gr := a.GetResource().GroupResource()
	if gr.Group != ml.GroupName || !charged[gr.Resource] || (a.GetSubresource() != "" && a.GetSubresource() != "scale") {
		return nil
	}
	namespace, key := a.GetNamespace(), entryKey(gr.Resource, a.GetName())
	if a.GetOperation() == admission.Delete {
		old, ok := a.GetOldObject().(metaObject)
		// An object already being deleted released what it held when its
		// deletion began.
		if ok && !a.IsDryRun() && old.GetDeletionTimestamp() == nil {
			s, _ := p.demandOf(old)
			p.release(ctx, namespace, key, old.GetUID(), s.charge())
		}
		return nil
	}
	if err := p.gate.Check(ctx); err != nil {
		return err
	}
	limits, err := p.limits(namespace)
	if err != nil {
		return err
	}
	if len(limits) == 0 {
		return nil // no quota: nothing to check, nothing recorded
	}

	var newShape, oldShape demand = shape{}, shape{}
	var uid types.UID
	switch {
	case a.GetSubresource() == "scale":
		scale, ok := a.GetObject().(*scalescheme.Scale)
		oldScale, oldOK := a.GetOldObject().(*scalescheme.Scale)
		if !ok || !oldOK {
			return apierrors.NewBadRequest(fmt.Sprintf("%s: unexpected objects of types %T, %T", PluginName, a.GetObject(), a.GetOldObject()))
		}
		obj, err := p.current(ctx, gr.Resource, namespace, a.GetName())
		if err != nil {
			return err
		}
		d, _ := shapeOf(obj)
		switch base := d.(type) {
		case shape:
			newShape, oldShape = base.withReplicas(scale.Spec.Replicas), base.withReplicas(oldScale.Spec.Replicas)
		case jobShape:
			// A job with roles scales its workers.
			newShape, oldShape = base.withReplicas(scale.Spec.Replicas), base.withReplicas(oldScale.Spec.Replicas)
		default:
			return apierrors.NewBadRequest(fmt.Sprintf("%s: %s have no scale", PluginName, gr.Resource))
		}
		if held, _ := p.demandOf(obj); len(held.charge()) == 0 {
			// A trial its TuningJob held for: scaled, it holds its own.
			oldShape = shape{}
		}
		uid = obj.(metaObject).GetUID()
	default:
		var ok bool
		if newShape, ok = p.demandOf(a.GetObject()); !ok {
			return apierrors.NewBadRequest(fmt.Sprintf("%s: unexpected object of type %T", PluginName, a.GetObject()))
		}
		if a.GetOperation() == admission.Update {
			if d, ok := p.demandOf(a.GetOldObject()); ok {
				oldShape = d
			}
		}
		if m, ok := a.GetObject().(metaObject); ok {
			uid = m.GetUID()
		}
	}
	want, old := newShape.charge(), oldShape.charge()
	if a.GetOperation() == admission.Update && !increases(want, old) {
		return nil // the reconciler records decreases
	}
	return p.charge(ctx, a, key, uid, newShape, want, old, limits)
}

type metaObject interface {
	runtime.Object
	GetUID() types.UID
	GetDeletionTimestamp() *metav1.Time
}

// increases says whether c holds more than old of anything.
func increases(c, old charge) bool {
	for k, v := range c {
		if o, ok := old[k]; !ok || v.Cmp(o) > 0 {
			return true
		}
	}
	return false
}

// limits are the resources the namespace's quotas limit that objects can
// hold.
func (l *ledger) limits(namespace string) ([]limit, error) {
	quotas, err := l.quotas.ResourceQuotas(namespace).List(labels.Everything())
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("list ResourceQuotas: %w", err))
	}
	var out []limit
	for _, q := range quotas {
		if len(q.Spec.Scopes) > 0 || q.Spec.ScopeSelector != nil {
			continue
		}
		for name, hard := range q.Spec.Hard {
			if key, ok := quotaKey(name); ok {
				out = append(out, limit{quota: q.Name, key: key, hard: hard})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].quota != out[j].quota {
			return out[i].quota < out[j].quota
		}
		return out[i].key < out[j].key
	})
	return out, nil
}

// charge records that the object at key now holds want instead of old,
// if it fits, by compare-and-swap on the usage record.
func (p *Plugin) charge(ctx context.Context, a admission.Attributes, key string, uid types.UID, s demand, want, old charge, limits []limit) error {
	namespace := a.GetNamespace()
	for attempt := 1; ; attempt++ {
		rec, cached := p.cachedRecord(namespace)
		fromCache := cached && attempt == 1
		if !fromCache {
			var err error
			if rec, err = p.readRecord(ctx, namespace); err != nil {
				return apierrors.NewInternalError(err)
			}
		}
		if rec.stored == nil {
			// First charge in this namespace: start from what its objects
			// hold (an updated object's old charge among them).
			rec.used = p.liveTotal(namespace)
		}
		// What the record counts for this object: its charge as stored,
		// or what admission charged it last if that is not visible yet.
		// The store retries an update on conflict, admission included: a
		// retry must not count its own first charge as someone else's.
		held := old
		if e, ok := rec.pending[key]; ok && e.UID == uid {
			held = e.charge()
		}
		others := rec.used.sub(held)
		var exceeded []string
		for _, l := range limits {
			w, ok := want[l.key]
			if o := held[l.key]; !ok || o.Cmp(w) >= 0 {
				continue // does not grow: never refused for it
			}
			h := others[l.key]
			total := h.DeepCopy()
			total.Add(w)
			if total.Cmp(l.hard) <= 0 {
				continue
			}
			left := l.hard.DeepCopy()
			left.Sub(h)
			if left.Sign() < 0 {
				left = resource.MustParse("0")
			}
			exceeded = append(exceeded, fmt.Sprintf("exceeded quota %q: %s requested %s (%s), other ml.example.io objects hold %s of %s, %s left",
				l.quota, l.key, w.String(), s.explain(l.key), h.String(), l.hard.String(), left.String()))
		}
		if fromCache && (len(exceeded) > 0 || a.IsDryRun()) {
			continue // answer only from the latest record
		}
		if len(exceeded) > 0 {
			return admission.NewForbidden(a, fmt.Errorf("%s", strings.Join(exceeded, "; ")))
		}
		if a.IsDryRun() {
			return nil
		}
		rec.used = others.add(want)
		p.prunePending(rec)
		rec.pending[key] = newEntry(uid, want, p.now())
		err := p.writeRecord(ctx, rec)
		switch {
		case err == nil:
			return nil
		case !isRace(err):
			return apierrors.NewInternalError(fmt.Errorf("write quota usage record: %w", err))
		case attempt >= maxAttempts:
			return apierrors.NewTooManyRequests("the quota usage record of the namespace is busy; retry", 1)
		}
		if err := sleep(ctx, attempt); err != nil {
			return apierrors.NewTimeoutError("quota usage record", 1)
		}
	}
}

// sleep waits a jittered, slowly growing while before the next attempt, so
// that concurrent writers spread out.
func sleep(ctx context.Context, attempt int) error {
	d := time.Duration(rand.Int64N(int64(min(attempt, 10)) * int64(2*time.Millisecond)))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// release gives back what a deleted object held. A failure only delays
// the release to the next reconcile.
func (p *Plugin) release(ctx context.Context, namespace, key string, uid types.UID, held charge) {
	logger := klog.FromContext(ctx)
	for attempt := 1; attempt <= 20; attempt++ {
		rec, err := p.readRecord(ctx, namespace)
		if err != nil {
			logger.V(2).Info("Quota usage not released", "key", key, "err", err)
			return
		}
		if rec.stored == nil {
			return
		}
		if e, ok := rec.pending[key]; ok && e.UID == uid {
			held = e.charge() // charged by admission, not visible yet
		}
		rec.used = rec.used.sub(held)
		delete(rec.pending, key)
		err = p.writeRecord(ctx, rec)
		if err == nil || !isRace(err) {
			if err != nil {
				logger.V(2).Info("Quota usage not released", "key", key, "err", err)
			}
			return
		}
		if sleep(ctx, attempt) != nil {
			return
		}
	}
}
