package logs

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"

	"ml.example.io/ml-apiserver/pkg/storage/logstore"
)

// cleanupTimeout bounds the deletion of an object's archive.
const cleanupTimeout = 30 * time.Second

// DeleteWithOwner makes store delete the archived logs of an object once
// the object is gone: after a plain delete, and after the update that
// removes the last finalizer (the garbage collector's and the namespace
// controller's deletions included). A SweepOrphans pass catches what a
// crash between the two deletions leaves behind.
func DeleteWithOwner(store *genericregistry.Store, archive logstore.LogStore) {
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
