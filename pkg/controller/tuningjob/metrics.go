package tuningjob

import (
	"context"

	"k8s.io/apimachinery/pkg/types"

	"ml.example.io/ml-apiserver/pkg/storage/metricstore"
	"ml.example.io/ml-apiserver/pkg/tuning/algorithm"
)

// StoreMetrics reads trials' series from the metric store of the data
// etcd: the points the trainingjobs/metrics subresource serves.
type StoreMetrics struct {
	Store metricstore.MetricStore
}

var _ MetricSource = StoreMetrics{}

// Series returns the points of metric of a TrainingJob, in step order.
func (s StoreMetrics) Series(ctx context.Context, namespace, name string, uid types.UID, metric string) ([]algorithm.Point, error) {
	series, err := s.Store.Read(ctx, metricstore.Owner{Resource: "trainingjobs", Namespace: namespace, Name: name, UID: uid},
		metricstore.Query{Names: []string{metric}})
	if err != nil {
		return nil, err
	}
	for _, sr := range series {
		if sr.Name != metric || sr.Task != "" {
			continue
		}
		points := make([]algorithm.Point, 0, len(sr.Points))
		for _, p := range sr.Points {
			points = append(points, algorithm.Point{Step: p.Step, Value: p.Value})
		}
		return points, nil
	}
	return nil, nil
}
