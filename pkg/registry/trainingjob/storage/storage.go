// Package storage holds the etcd storage of TrainingJobs and of their
// status, scale, log and metrics subresources, and how kubectl prints them.
package storage

import (
	"k8s.io/apimachinery/pkg/runtime"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/logs"
	"ml.example.io/ml-apiserver/pkg/registry/metrics"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
	"ml.example.io/ml-apiserver/pkg/registry/trainingjob"
	"ml.example.io/ml-apiserver/pkg/storage/logstore"
)

// TrainingJobStorage is the storage of TrainingJobs and of their
// subresources.
type TrainingJobStorage struct {
	TrainingJob *registryutil.REST
	Status      *registryutil.StatusREST
	Scale       *registryutil.ScaleREST[*ml.TrainingJob]
	// Log shows the logs of the job's replicas (see logKind).
	Log *logs.REST
	// Metrics are the job's series; nil without a metric store. The
	// latestmetrics controller writes status.latestMetrics from them.
	Metrics *metrics.REST
}

// NewStorage returns the storage of TrainingJobs, validated against the
// caps in o, and of their subresources: logs from logDeps, metrics in the
// store of metricDeps.
func NewStorage(o registryutil.StorageOptions, logDeps logs.Deps, metricDeps metrics.Deps) (TrainingJobStorage, error) {
	store, status, err := registryutil.NewStore(o.RESTOptions, registryutil.Resource{
		Name: "trainingjobs", Singular: "trainingjob", ShortNames: []string{"tj"},
		NewFunc:        func() runtime.Object { return &ml.TrainingJob{} },
		NewListFunc:    func() runtime.Object { return &ml.TrainingJobList{} },
		GetAttrs:       trainingjob.GetAttrs,
		Strategy:       trainingjob.NewStrategy(o.Scheme, o.Validation),
		StatusStrategy: trainingjob.NewStatusStrategy(o.Scheme),
		TableConvertor: newTableConvertor(),
	})
	if err != nil {
		return TrainingJobStorage{}, err
	}
	// Deleting an object from the main store deletes its metric series
	// and archived logs. The status store, a copy made before, does not.
	metrics.DeleteWithOwner(store.Store, "trainingjobs", metricDeps.Store)
	logstore.DeleteWithOwner(store.Store, logDeps.Archive)
	s := TrainingJobStorage{TrainingJob: store, Status: status, Scale: registryutil.NewScaleREST(store.Store, scaler)}
	s.Log = logs.NewREST(logDeps.Config(ml.Resource("trainingjobs"), store, logKind{}))
	if metricDeps.Store != nil {
		s.Metrics = metrics.NewREST(metricDeps.Config("trainingjobs", "TrainingJob", store))
	}
	return s, nil
}
