package metrics

import (
	"context"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/storage/metricstore"
)

// deleteTimeout bounds the deletion of an object's series.
const deleteTimeout = 30 * time.Second

// DeleteWithOwner makes store delete the series of an object once the
// object itself is gone from etcd (immediately, or when its last finalizer
// is removed, or by a deletecollection). Another AfterDelete hook already
// set runs first. Series are keyed by the object's UID, so a failure here
// leaves garbage but never shows old points to a new object of the same
// name. Without a store (ms nil) there is nothing to delete.
func DeleteWithOwner(store *genericregistry.Store, resource string, ms metricstore.MetricStore) {
	if ms == nil {
		return
	}
	previous := store.AfterDelete
	store.AfterDelete = func(obj runtime.Object, options *metav1.DeleteOptions) {
		if previous != nil {
			previous(obj, options)
		}
		if options != nil && len(options.DryRun) > 0 {
			return
		}
		owner, err := Owner(resource, obj)
		if err != nil {
			klog.Background().Error(err, "Cannot delete the metric series of a deleted object", "resource", resource)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), deleteTimeout)
		defer cancel()
		if err := ms.Delete(ctx, owner); err != nil {
			klog.Background().Error(err, "Cannot delete the metric series of a deleted object",
				"resource", resource, "object", klog.KRef(owner.Namespace, owner.Name))
		}
	}
}
