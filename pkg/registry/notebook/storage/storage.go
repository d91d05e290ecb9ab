// Package storage holds the etcd storage of Notebooks and of their status,
// scale and log subresources, and how kubectl prints them.
package storage

import (
	"k8s.io/apimachinery/pkg/runtime"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/logs"
	"ml.example.io/ml-apiserver/pkg/registry/notebook"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
	"ml.example.io/ml-apiserver/pkg/storage/logstore"
)

// NotebookStorage is the storage of Notebooks and of their subresources.
type NotebookStorage struct {
	Notebook *registryutil.REST
	Status   *registryutil.StatusREST
	Scale    *registryutil.ScaleREST[*ml.Notebook]
	// Log shows the logs of the pods status.selector selects, the pod
	// name before each line.
	Log *logs.REST
}

// NewStorage returns the storage of Notebooks, validated against the caps
// in o, and of their subresources, with logs from logDeps.
func NewStorage(o registryutil.StorageOptions, logDeps logs.Deps) (NotebookStorage, error) {
	store, status, err := registryutil.NewStore(o.RESTOptions, registryutil.Resource{
		Name: "notebooks", Singular: "notebook", ShortNames: []string{"nb"},
		NewFunc:        func() runtime.Object { return &ml.Notebook{} },
		NewListFunc:    func() runtime.Object { return &ml.NotebookList{} },
		GetAttrs:       notebook.GetAttrs,
		Strategy:       notebook.NewStrategy(o.Scheme, o.Validation),
		StatusStrategy: notebook.NewStatusStrategy(o.Scheme),
		TableConvertor: newTableConvertor(),
	})
	if err != nil {
		return NotebookStorage{}, err
	}
	// Deleting an object from the main store deletes its archived logs.
	// The status store, a copy made before, does not.
	logstore.DeleteWithOwner(store.Store, logDeps.Archive)
	return NotebookStorage{
		Notebook: store,
		Status:   status,
		Scale:    registryutil.NewScaleREST(store.Store, scaler),
		Log: logs.NewREST(logDeps.Config(ml.Resource("notebooks"), store, logs.SelectorKind{
			Resource: "notebooks",
			Selector: func(obj runtime.Object) string { return obj.(*ml.Notebook).Status.Selector },
		})),
	}, nil
}
