package storage

import (
	"ml.example.io/ml-apiserver/pkg/registry/metrics"
	"ml.example.io/ml-apiserver/pkg/storage/metricstore"
)

// MetricsREST is the metrics subresource of Models: serving metrics pushed
// by the model's pods or by monitoring.
type MetricsREST struct {
	*metrics.REST
}

// NewMetricsREST returns the metrics subresource over the Model store.
func NewMetricsREST(r *REST, store metricstore.MetricStore, writers metrics.WriterCheck) *MetricsREST {
	metrics.DeleteWithOwner(r.Store, "models", store)
	return &MetricsREST{metrics.NewREST(metrics.Config{
		Resource: "models",
		Kind:     "Model",
		Owners:   r,
		Store:    store,
		Writers:  writers,
	})}
}
