// Package storage holds the etcd storage of Models and of their status,
// scale, log and metrics subresources, and how kubectl prints them.
package storage

import (
	"k8s.io/apimachinery/pkg/runtime"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/logs"
	"ml.example.io/ml-apiserver/pkg/registry/metrics"
	"ml.example.io/ml-apiserver/pkg/registry/model"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
	"ml.example.io/ml-apiserver/pkg/storage/logstore"
)

// ModelStorage is the storage of Models and of their subresources.
type ModelStorage struct {
	Model  *registryutil.REST
	Status *registryutil.StatusREST
	Scale  *registryutil.ScaleREST[*ml.Model]
	// Log shows the logs of the pods status.selector selects, the pod
	// name before each line.
	Log *logs.REST
	// Metrics are the serving metrics pushed by the model's pods or by
	// monitoring; nil without a metric store.
	Metrics *metrics.REST
}

// NewStorage returns the storage of Models, validated against the caps in
// o, and of their subresources: logs from logDeps, metrics in the store of
// metricDeps.
func NewStorage(o registryutil.StorageOptions, logDeps logs.Deps, metricDeps metrics.Deps) (ModelStorage, error) {
	store, status, err := registryutil.NewStore(o.RESTOptions, registryutil.Resource{
		Name: "models", Singular: "model", ShortNames: []string{"mdl"},
		NewFunc:        func() runtime.Object { return &ml.Model{} },
		NewListFunc:    func() runtime.Object { return &ml.ModelList{} },
		GetAttrs:       model.GetAttrs,
		Strategy:       model.NewStrategy(o.Scheme, o.Validation),
		StatusStrategy: model.NewStatusStrategy(o.Scheme),
		TableConvertor: newTableConvertor(),
	})
	if err != nil {
		return ModelStorage{}, err
	}
	// Deleting an object from the main store deletes its metric series
	// and archived logs. The status store, a copy made before, does not.
	metrics.DeleteWithOwner(store.Store, "models", metricDeps.Store)
	logstore.DeleteWithOwner(store.Store, logDeps.Archive)
	s := ModelStorage{Model: store, Status: status, Scale: registryutil.NewScaleREST(store.Store, scaler)}
	s.Log = logs.NewREST(logDeps.Config(ml.Resource("models"), store, logs.SelectorKind{
		Resource: "models",
		Selector: func(obj runtime.Object) string { return obj.(*ml.Model).Status.Selector },
	}))
	if metricDeps.Store != nil {
		s.Metrics = metrics.NewREST(metricDeps.Config("models", "Model", store))
	}
	return s, nil
}
