// Package historywatch keeps watches that resume from an old
// resourceVersion working across API server restarts.
//
// The watch cache starts at the etcd revision it first lists, so after a
// restart a client resuming from a resourceVersion it saw before would get
// 410 Gone even though etcd still holds every event since. Such watches are
// served from etcd directly instead; everything else still goes through the
// watch cache.
package historywatch

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/apiserver/pkg/storage/storagebackend/factory"
	"k8s.io/client-go/tools/cache"
)

// RESTOptionsGetter wraps a getter so that every resource whose storage has
// the watch cache on also serves watches from before the cache's start out of
// etcd.
func RESTOptionsGetter(inner generic.RESTOptionsGetter) generic.RESTOptionsGetter {
	return getter{inner}
}

type getter struct {
	inner generic.RESTOptionsGetter
}

// GetRESTOptions returns the inner options with the decorator replaced.
func (g getter) GetRESTOptions(resource schema.GroupResource, example runtime.Object) (generic.RESTOptions, error) {
	opts, err := g.inner.GetRESTOptions(resource, example)
	if err != nil {
		return opts, err
	}
	if opts.Decorator != nil {
		opts.Decorator = decorate(opts.Decorator)
	}
	return opts, nil
}

// decorate wraps a storage decorator (normally the watch cache): it also
// opens raw etcd storage and notes the etcd revision at construction, the
// oldest revision the cache can know.
func decorate(cached generic.StorageDecorator) generic.StorageDecorator {
	return func(
		config *storagebackend.ConfigForResource,
		resourcePrefix string,
		keyFunc func(obj runtime.Object) (string, error),
		newFunc func() runtime.Object,
		newListFunc func() runtime.Object,
		getAttrsFunc storage.AttrFunc,
		triggerFuncs storage.IndexerFuncs,
		indexers *cache.Indexers,
	) (storage.Interface, factory.DestroyFunc, error) {
		s, destroyCached, err := cached(config, resourcePrefix, keyFunc, newFunc, newListFunc, getAttrsFunc, triggerFuncs, indexers)
		if err != nil {
			return s, destroyCached, err
		}
		raw, destroyRaw, err := generic.NewRawStorage(config, newFunc, newListFunc, resourcePrefix)
		if err != nil {
			destroyCached()
			return nil, func() {}, fmt.Errorf("raw storage for %s: %w", config.GroupResource, err)
		}
		start, err := raw.GetCurrentResourceVersion(context.Background())
		if err != nil {
			destroyCached()
			destroyRaw()
			return nil, func() {}, fmt.Errorf("current revision for %s: %w", config.GroupResource, err)
		}
		var once sync.Once
		destroy := func() { once.Do(func() { destroyCached(); destroyRaw() }) }
		return &historyStorage{Interface: s, raw: raw, start: start}, destroy, nil
	}
}

// historyStorage is the cached storage, except for watches from before start.
type historyStorage struct {
	storage.Interface
	raw   storage.Interface
	start uint64
}

// Watch serves a watch from a resourceVersion older than the cache's start
// from etcd, which replays every event since (unless compacted, then 410
// Gone as usual). Other watches, including watch-list streams, use the cache.
func (h *historyStorage) Watch(ctx context.Context, key string, opts storage.ListOptions) (watch.Interface, error) {
	if opts.SendInitialEvents == nil && opts.ResourceVersion != "" {
		if rv, err := strconv.ParseUint(opts.ResourceVersion, 10, 64); err == nil && rv > 0 && rv < h.start {
			return h.raw.Watch(ctx, key, opts)
		}
	}
	return h.Interface.Watch(ctx, key, opts)
}
