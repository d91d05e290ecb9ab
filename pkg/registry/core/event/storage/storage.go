// Package storage holds the etcd storage of core/v1 Events, which expire
// after a TTL, and how kubectl prints them.
package storage

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"ml.example.io/ml-apiserver/pkg/registry/core/event"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

// DefaultTTL is how long an Event is kept after its last write, as in
// kube-apiserver (--event-ttl).
const DefaultTTL = time.Hour

// EventStorage is the storage of Events; they have no subresources.
type EventStorage struct {
	Event *REST
}

// REST is the storage of Events.
type REST struct {
	*genericregistry.Store
}

var _ rest.ShortNamesProvider = &REST{}

// ShortNames are what `kubectl get` also knows Events by.
func (r *REST) ShortNames() []string { return []string{"ev"} }

// NewStorage returns the storage of Events in the etcd of optsGetter,
// typed by typer. Every write of an Event puts it on an etcd lease of ttl,
// rounded up to whole seconds, so it is gone ttl after its last write.
func NewStorage(typer runtime.ObjectTyper, optsGetter generic.RESTOptionsGetter, ttl time.Duration) (EventStorage, error) {
	if ttl <= 0 {
		return EventStorage{}, fmt.Errorf("event TTL must be positive, got %s", ttl)
	}
	seconds := uint64((ttl + time.Second - 1) / time.Second)
	strategy := event.NewStrategy(typer)
	store := &genericregistry.Store{
		NewFunc:       func() runtime.Object { return &corev1.Event{} },
		NewListFunc:   func() runtime.Object { return &corev1.EventList{} },
		PredicateFunc: registryutil.PredicateFunc(event.GetAttrs),
		TTLFunc: func(runtime.Object, uint64, bool) (uint64, error) {
			return seconds, nil
		},
		DefaultQualifiedResource:  schema.GroupResource{Resource: "events"},
		SingularQualifiedResource: schema.GroupResource{Resource: "event"},

		CreateStrategy: strategy,
		UpdateStrategy: strategy,
		DeleteStrategy: strategy,

		TableConvertor: newTableConvertor(),
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: event.GetAttrs}); err != nil {
		return EventStorage{}, fmt.Errorf("events storage: %w", err)
	}
	return EventStorage{Event: &REST{store}}, nil
}
