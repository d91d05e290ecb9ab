package logs

import (
	"context"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/storage/logstore"
)

// DefaultSweepPeriod is how often SweepOrphans runs.
const DefaultSweepPeriod = 30 * time.Minute

// SweepOrphans deletes the archived logs whose owner no longer exists
// (logstore.DeleteOrphans). objects reads each owner resource. It runs
// every period until ctx is done; copies in several servers do the same
// idempotent work.
func SweepOrphans(ctx context.Context, archive logstore.LogStore, objects map[string]rest.Getter, period time.Duration) {
	logger := klog.FromContext(ctx).WithName("log-archive-sweep")
	wait.UntilWithContext(ctx, func(ctx context.Context) {
		n, err := sweepOnce(ctx, archive, objects)
		if err != nil {
			logger.Error(err, "Sweeping archived logs of deleted objects")
			return
		}
		if n > 0 {
			logger.Info("Deleted archived logs of deleted objects", "objects", n)
		}
	}, period)
}

func sweepOnce(ctx context.Context, archive logstore.LogStore, objects map[string]rest.Getter) (int, error) {
	return logstore.DeleteOrphans(ctx, archive, ownerExists(objects))
}

// ownerExists looks owners up in the storage of their resource; owners of
// resources not in objects are kept.
func ownerExists(objects map[string]rest.Getter) logstore.OwnerExists {
	return func(ctx context.Context, o logstore.Owner) (bool, error) {
		getter, ok := objects[o.Resource]
		if !ok {
			return true, nil
		}
		obj, err := getter.Get(genericapirequest.WithNamespace(ctx, o.Namespace), o.Name, &metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			return false, nil
		case err != nil:
			return false, err
		}
		m, err := meta.Accessor(obj)
		return err == nil && m.GetUID() == o.UID, nil
	}
}
