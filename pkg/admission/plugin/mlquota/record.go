package mlquota

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// The usage record of a namespace is a ConfigMap in the server's system
// namespace holding what the namespace's objects hold in total ("used"),
// like a ResourceQuota's status.used. Every admission that charges quota
// reads it, checks, and writes it back with the resourceVersion it read (a
// compare-and-swap), retrying on conflict, so concurrent requests, on one
// server or several, never both take the last room. Users cannot edit it:
// it is outside their namespaces.
//
// Next to the total, the record keeps the charges admitted lately whose
// objects the informers do not show yet ("pending.<resource>.<name>"), so
// that the reconciler, which recomputes the total from the informers, does
// not forget requests in flight. A pending entry is dropped once the
// informer shows its object as admitted, or after the grace period. The
// record therefore stays small whatever the number of objects.
const (
	// RecordPrefix starts the name of every usage record; the namespace
	// follows.
	RecordPrefix = "ml-quota-usage."
	// RecordLabel marks usage records, so the reconciler lists them.
	RecordLabel = "ml.example.io/quota-usage"
	// RecordNamespaceAnnotation names the namespace a record counts.
	RecordNamespaceAnnotation = "ml.example.io/namespace"

	usedKey       = "used"
	pendingPrefix = "pending."
)

// entry is the charge of one object admitted lately.
type entry struct {
	UID    types.UID         `json:"uid,omitempty"`
	Charge map[string]string `json:"charge"`
	// At is when admission wrote the entry.
	At metav1.Time `json:"at"`
}

func newEntry(uid types.UID, c charge, now time.Time) entry {
	return entry{UID: uid, Charge: c.strings(), At: metav1.NewTime(now)}
}

func (e entry) charge() charge { return parseCharge(e.Charge) }

func (c charge) strings() map[string]string {
	out := make(map[string]string, len(c))
	for k, v := range c {
		out[string(k)] = v.String()
	}
	return out
}

func parseCharge(m map[string]string) charge {
	c := charge{}
	for k, v := range m {
		if q, err := resource.ParseQuantity(v); err == nil {
			c[corev1.ResourceName(k)] = q
		}
	}
	return c
}

// record is a namespace's usage record as read.
type record struct {
	namespace string
	// stored is the ConfigMap read, nil when there is none yet.
	stored *corev1.ConfigMap
	// used is what the namespace's objects hold.
	used charge
	// pending are the charges admitted lately, by <resource>.<name>.
	pending map[string]entry
}

func recordName(namespace string) string { return RecordPrefix + namespace }

func entryKey(resource, name string) string { return resource + "." + name }

// readRecord reads a namespace's record from kube-apiserver (never from an
// informer: the compare-and-swap needs the latest resourceVersion).
func (l *ledger) readRecord(ctx context.Context, namespace string) (*record, error) {
	cm, err := l.client.CoreV1().ConfigMaps(l.systemNamespace).Get(ctx, recordName(namespace), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return parseRecord(namespace, nil), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read quota usage record %s/%s: %w", l.systemNamespace, recordName(namespace), err)
	}
	return parseRecord(namespace, cm), nil
}

// cachedRecord is the record as this server last wrote it, if it did. It
// saves a read when this server is the only writer; when it is stale, the
// write conflicts and the request reads the record again.
func (l *ledger) cachedRecord(namespace string) (*record, bool) {
	l.cacheMu.Lock()
	defer l.cacheMu.Unlock()
	cm, ok := l.cache[namespace]
	if !ok {
		return nil, false
	}
	return parseRecord(namespace, cm.DeepCopy()), true
}

func (l *ledger) cacheRecord(namespace string, cm *corev1.ConfigMap) {
	l.cacheMu.Lock()
	defer l.cacheMu.Unlock()
	if l.cache == nil {
		l.cache = map[string]*corev1.ConfigMap{}
	}
	if cm == nil {
		delete(l.cache, namespace)
		return
	}
	l.cache[namespace] = cm
}

func parseRecord(namespace string, cm *corev1.ConfigMap) *record {
	r := &record{namespace: namespace, stored: cm, used: charge{}, pending: map[string]entry{}}
	if cm == nil {
		return r
	}
	var used map[string]string
	if json.Unmarshal([]byte(cm.Data[usedKey]), &used) == nil {
		r.used = parseCharge(used)
	}
	for k, v := range cm.Data {
		key, ok := strings.CutPrefix(k, pendingPrefix)
		if !ok {
			continue
		}
		var e entry
		if json.Unmarshal([]byte(v), &e) == nil {
			r.pending[key] = e
		}
	}
	return r
}

// writeRecord writes r back: an update preconditioned on the
// resourceVersion read, or a create when there was none. A concurrent
// writer makes it fail with a conflict (or already-exists).
func (l *ledger) writeRecord(ctx context.Context, r *record) error {
	cm := &corev1.ConfigMap{}
	if r.stored != nil {
		cm = r.stored.DeepCopy()
	} else {
		cm.Name, cm.Namespace = recordName(r.namespace), l.systemNamespace
	}
	if cm.Labels == nil {
		cm.Labels = map[string]string{}
	}
	cm.Labels[RecordLabel] = "true"
	if cm.Annotations == nil {
		cm.Annotations = map[string]string{}
	}
	cm.Annotations[RecordNamespaceAnnotation] = r.namespace
	used, err := json.Marshal(r.used.strings())
	if err != nil {
		return err
	}
	cm.Data = map[string]string{usedKey: string(used)}
	for k, e := range r.pending {
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		cm.Data[pendingPrefix+k] = string(b)
	}
	var written *corev1.ConfigMap
	if r.stored == nil {
		written, err = l.client.CoreV1().ConfigMaps(l.systemNamespace).Create(ctx, cm, metav1.CreateOptions{FieldManager: PluginName})
	} else {
		written, err = l.client.CoreV1().ConfigMaps(l.systemNamespace).Update(ctx, cm, metav1.UpdateOptions{FieldManager: PluginName})
	}
	if err != nil {
		l.cacheRecord(r.namespace, nil)
		if r.stored != nil && apierrors.IsNotFound(err) {
			// Deleted since it was read: read again.
			return apierrors.NewConflict(schema.GroupResource{Resource: "configmaps"}, cm.Name, err)
		}
		return err
	}
	l.cacheRecord(r.namespace, written)
	return nil
}

// isRace says whether err means another writer got there first.
func isRace(err error) bool {
	return apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err)
}
