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
// (or exists with another UID): what a crash between an object's deletion
// and its AfterDelete hook leaves behind. objects reads each owner
// resource. It runs every period until ctx is done; copies in several
// servers do the same idempotent work.
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
	owners, err := archive.Owners(ctx)
	if err != nil {
		return 0, err
	}
	deleted := 0
	for _, o := range owners {
		getter, ok := objects[o.Resource]
		if !ok {
			continue
		}
		obj, err := getter.Get(genericapirequest.WithNamespace(ctx, o.Namespace), o.Name, &metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return deleted, err
		default:
			if m, err := meta.Accessor(obj); err == nil && m.GetUID() == o.UID {
				continue
			}
		}
		if err := archive.DeleteOwner(ctx, o.Namespace, o.UID); err != nil {
			return deleted, err
		}
		deleted++
	}
	return deleted, nil
}
