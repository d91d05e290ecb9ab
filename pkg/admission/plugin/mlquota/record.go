package mlquota

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// The usage record of a namespace is a ConfigMap in the server's system
// namespace, one key per object that holds quota. Every admission that
// charges quota reads it, checks, and writes it back with the
// resourceVersion it read (a compare-and-swap), retrying on conflict, so
// concurrent requests, on one server or several, never both take the last
// room. Users cannot edit it: it is outside their namespaces.
const (
	// RecordPrefix starts the name of every usage record; the namespace
	// follows.
	RecordPrefix = "ml-quota-usage."
	// RecordLabel marks usage records, so the reconciler lists them.
	RecordLabel = "ml.example.io/quota-usage"
	// RecordNamespaceAnnotation names the namespace a record counts.
	RecordNamespaceAnnotation = "ml.example.io/namespace"
)

// entry is what one object holds, keyed <resource>.<name> in the record.
type entry struct {
	UID    types.UID         `json:"uid,omitempty"`
	Charge map[string]string `json:"charge"`
	// At is when the entry was last written by admission; the reconciler
	// leaves younger entries alone, as their request may still be in flight.
	At metav1.Time `json:"at"`
}

func newEntry(uid types.UID, c charge, now time.Time) entry {
	e := entry{UID: uid, Charge: map[string]string{}, At: metav1.NewTime(now)}
	for k, v := range c {
		e.Charge[string(k)] = v.String()
	}
	return e
}

func (e entry) charge() charge {
	c := charge{}
	for k, v := range e.Charge {
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
	stored  *corev1.ConfigMap
	entries map[string]entry
}

func recordName(namespace string) string { return RecordPrefix + namespace }

func entryKey(resource, name string) string { return resource + "." + name }

// total is what every entry but except holds.
func (r *record) total(except string) charge {
	sum := charge{}
	for k, e := range r.entries {
		if k != except {
			sum = sum.add(e.charge())
		}
	}
	return sum
}

// readRecord reads a namespace's record from kube-apiserver (never from a
// cache: the compare-and-swap needs the latest resourceVersion).
func (p *Plugin) readRecord(ctx context.Context, namespace string) (*record, error) {
	cm, err := p.client.CoreV1().ConfigMaps(p.systemNamespace).Get(ctx, recordName(namespace), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return &record{namespace: namespace, entries: map[string]entry{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read quota usage record %s/%s: %w", p.systemNamespace, recordName(namespace), err)
	}
	r := &record{namespace: namespace, stored: cm, entries: map[string]entry{}}
	for k, v := range cm.Data {
		var e entry
		if json.Unmarshal([]byte(v), &e) == nil {
			r.entries[k] = e
		}
	}
	return r, nil
}

// writeRecord writes r back: an update preconditioned on the
// resourceVersion read, or a create when there was none. A concurrent
// writer makes it fail with a conflict (or already-exists).
func (p *Plugin) writeRecord(ctx context.Context, r *record) error {
	cm := &corev1.ConfigMap{}
	if r.stored != nil {
		cm = r.stored.DeepCopy()
	} else {
		cm.Name, cm.Namespace = recordName(r.namespace), p.systemNamespace
	}
	if cm.Labels == nil {
		cm.Labels = map[string]string{}
	}
	cm.Labels[RecordLabel] = "true"
	if cm.Annotations == nil {
		cm.Annotations = map[string]string{}
	}
	cm.Annotations[RecordNamespaceAnnotation] = r.namespace
	cm.Data = map[string]string{}
	for k, e := range r.entries {
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		cm.Data[k] = string(b)
	}
	var err error
	if r.stored == nil {
		_, err = p.client.CoreV1().ConfigMaps(p.systemNamespace).Create(ctx, cm, metav1.CreateOptions{FieldManager: PluginName})
	} else {
		_, err = p.client.CoreV1().ConfigMaps(p.systemNamespace).Update(ctx, cm, metav1.UpdateOptions{FieldManager: PluginName})
	}
	return err
}

// isRace says whether err means another writer got there first.
func isRace(err error) bool {
	return apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err)
}
