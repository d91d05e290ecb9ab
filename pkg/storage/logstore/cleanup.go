package logstore

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
)

// cleanupTimeout bounds the deletion of an object's archive.
const cleanupTimeout = 30 * time.Second

// DeleteWithOwner makes store delete the archived logs of an object once
// the object is gone: after a plain delete, and after the update that
// removes the last finalizer (the garbage collector's and the namespace
// controller's deletions included). A DeleteOrphans pass catches what a
// crash between the two deletions leaves behind.
func DeleteWithOwner(store *genericregistry.Store, archive LogStore) {
	if archive == nil {
		return
	}
	next := store.AfterDelete
	store.AfterDelete = func(obj runtime.Object, options *metav1.DeleteOptions) {
		if next != nil {
			next(obj, options)
		}
		if options != nil && len(options.DryRun) > 0 {
			return
		}
		m, err := meta.Accessor(obj)
		if err != nil {
			utilruntime.HandleError(err)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if err := archive.DeleteOwner(ctx, m.GetNamespace(), m.GetUID()); err != nil {
			utilruntime.HandleError(err)
		}
	}
}

// OwnerExists says whether the object that owns archived logs still
// exists with the same UID; an object of a resource it does not know
// counts as existing, so its logs are kept.
type OwnerExists func(ctx context.Context, owner Owner) (bool, error)

// DeleteOrphans deletes the archived logs whose owner no longer exists (or
// exists with another UID): what a crash between an object's deletion and
// its AfterDelete hook leaves behind. It returns how many owners' logs it
// deleted, and stops at the first error. Running it from several servers
// at once is safe: the deletions are idempotent.
func DeleteOrphans(ctx context.Context, archive LogStore, exists OwnerExists) (int, error) {
	owners, err := archive.Owners(ctx)
	if err != nil {
		return 0, err
	}
	deleted := 0
	for _, o := range owners {
		ok, err := exists(ctx, o)
		if err != nil {
			return deleted, err
		}
		if ok {
			continue
		}
		if err := archive.DeleteOwner(ctx, o.Namespace, o.UID); err != nil {
			return deleted, err
		}
		deleted++
	}
	return deleted, nil
}
