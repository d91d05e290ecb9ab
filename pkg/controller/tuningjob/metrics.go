package tuningjob

import (
	"context"

	"k8s.io/apimachinery/pkg/types"

	"ml.example.io/ml-apiserver/pkg/storage/metricstore"
	"ml.example.io/ml-apiserver/pkg/tuning/algorithm"
)

// MetricOwner names the object whose metrics are read: a trial's
// TrainingJob or PipelineRun.
type MetricOwner struct {
	// Resource is trainingjobs or pipelineruns.
	Resource        string
	Namespace, Name string
	UID             types.UID
}

// TaskSeries is one series of an object: for a PipelineRun, of one task.
type TaskSeries struct {
	// Task is the PipelineRun task that reported the series; "" for
	// other kinds.
	Task   string
	Points []algorithm.Point
}

// MetricSource reads the objective series of a trial.
type MetricSource interface {
	// Series returns the series named metric that owner reported (one per
	// task of a PipelineRun), each in step order; none when it reported
	// none.
	Series(ctx context.Context, owner MetricOwner, metric string) ([]TaskSeries, error)
}

// StoreMetrics reads trials' series from the metric store of the data
// etcd: the points the trainingjobs/metrics and pipelineruns/metrics
// subresources serve.
type StoreMetrics struct {
	Store metricstore.MetricStore
}

var _ MetricSource = StoreMetrics{}

// Series returns the series named metric of an object, in step order.
func (s StoreMetrics) Series(ctx context.Context, o MetricOwner, metric string) ([]TaskSeries, error) {
	series, err := s.Store.Read(ctx, metricstore.Owner{Resource: o.Resource, Namespace: o.Namespace, Name: o.Name, UID: o.UID},
		metricstore.Query{Names: []string{metric}})
	if err != nil {
		return nil, err
	}
	var out []TaskSeries
	for _, sr := range series {
		if sr.Name != metric {
			continue
		}
		points := make([]algorithm.Point, 0, len(sr.Points))
		for _, p := range sr.Points {
			points = append(points, algorithm.Point{Step: p.Step, Value: p.Value})
		}
		out = append(out, TaskSeries{Task: sr.Task, Points: points})
	}
	return out, nil
}
