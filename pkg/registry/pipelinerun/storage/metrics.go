package storage

import (
	"ml.example.io/ml-apiserver/pkg/registry/metrics"
	"ml.example.io/ml-apiserver/pkg/storage/metricstore"
)

// MetricsREST is the metrics subresource of PipelineRuns. Every series
// belongs to a task: POSTed series carry `task`, and GET selects one task
// with the `task` option.
type MetricsREST struct {
	*metrics.REST
}

// NewMetricsREST returns the metrics subresource over the PipelineRun store.
func NewMetricsREST(r *REST, store metricstore.MetricStore, writers metrics.WriterCheck) *MetricsREST {
	metrics.DeleteWithOwner(r.Store, "pipelineruns", store)
	return &MetricsREST{metrics.NewREST(metrics.Config{
		Resource:  "pipelineruns",
		Kind:      "PipelineRun",
		Owners:    r,
		Store:     store,
		WithTasks: true,
		Writers:   writers,
	})}
}
