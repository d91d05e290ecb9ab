package storage

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/metrics"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
	"ml.example.io/ml-apiserver/pkg/storage/metricstore"
)

// latestUpdater writes status.latestMetrics through the status store, on
// the job with the series' UID only. An unchanged status is not written
// (etcd3 storage skips identical updates).
func latestUpdater(status *registryutil.StatusREST) metrics.LatestUpdater {
	return func(ctx context.Context, owner metricstore.Owner, latest []ml.MetricValue) error {
		ctx = genericapirequest.WithNamespace(ctx, owner.Namespace)
		update := rest.DefaultUpdatedObjectInfo(nil, func(_ context.Context, _, old runtime.Object) (runtime.Object, error) {
			job, ok := old.(*ml.TrainingJob)
			if !ok {
				return nil, fmt.Errorf("not a TrainingJob: %T", old)
			}
			if job.UID != owner.UID {
				return nil, fmt.Errorf("trainingjob %s/%s was replaced", owner.Namespace, owner.Name)
			}
			job = job.DeepCopy()
			job.Status.LatestMetrics = latest
			return job, nil
		})
		_, _, err := status.Update(ctx, owner.Name, update, rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
		return err
	}
}
