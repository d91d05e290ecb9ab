package apiserver

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	"ml.example.io/ml-apiserver/pkg/registry/metrics"
)

// MetricsWriters is standalone mode's check of the metrics writers: it
// authorizes a writer's certificate while the object it was issued for
// (namespace, name and UID) exists, with the lookup of the objects that
// own metrics it receives once the storage is built, and it checks again,
// on the object the write goes to, that the UIDs agree.
type MetricsWriters interface {
	SetOwnerLookup(func(ctx context.Context, resource, namespace, name string) (types.UID, error))
	metrics.WriterCheck
}

// setMetricsOwners gives ExtraConfig.MetricsOwners, when set, the lookup
// of the objects that own metrics: TrainingJobs, PipelineRuns and Models.
func (c completedConfig) setMetricsOwners(storage *v1alpha1Storage) {
	if c.ExtraConfig.MetricsOwners == nil {
		return
	}
	getters := map[string]rest.Getter{
		"trainingjobs": storage.trainingJobs.TrainingJob,
		"pipelineruns": storage.pipelineRuns.PipelineRun,
		"models":       storage.models.Model,
	}
	c.ExtraConfig.MetricsOwners.SetOwnerLookup(func(ctx context.Context, resource, namespace, name string) (types.UID, error) {
		g, ok := getters[resource]
		if !ok {
			return "", fmt.Errorf("%s do not own metrics", resource)
		}
		// resourceVersion 0 reads the watch cache: no etcd round trip on
		// every metrics write, and a deletion is seen within milliseconds.
		obj, err := g.Get(genericapirequest.WithNamespace(ctx, namespace), name, &metav1.GetOptions{ResourceVersion: "0"})
		if err != nil {
			return "", err
		}
		m, err := meta.Accessor(obj)
		if err != nil {
			return "", err
		}
		return m.GetUID(), nil
	})
}
