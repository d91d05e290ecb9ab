// Package storage holds the etcd storage of Notebooks and of their status
// subresource, and how kubectl prints them.
package storage

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/registry/notebook"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

// REST is the storage of Notebooks.
type REST struct {
	*genericregistry.Store
}

var (
	_ rest.ShortNamesProvider = &REST{}
	_ rest.CategoriesProvider = &REST{}
)

// StatusREST is the storage of the status subresource of Notebooks.
type StatusREST struct {
	*registryutil.StatusREST
}

// NewREST returns the storage of Notebooks and of their status subresource,
// validating objects against the caps in opts.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, opts validation.Options) (*REST, *StatusREST, error) {
	strategy := notebook.NewStrategy(scheme, opts)
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &ml.Notebook{} },
		NewListFunc:               func() runtime.Object { return &ml.NotebookList{} },
		PredicateFunc:             registryutil.PredicateFunc(notebook.GetAttrs),
		DefaultQualifiedResource:  ml.Resource("notebooks"),
		SingularQualifiedResource: ml.Resource("notebook"),

		CreateStrategy:      strategy,
		UpdateStrategy:      strategy,
		DeleteStrategy:      strategy,
		ResetFieldsStrategy: strategy,

		TableConvertor: newTableConvertor(),
	}
	options := &generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: notebook.GetAttrs}
	if err := store.CompleteWithOptions(options); err != nil {
		return nil, nil, fmt.Errorf("complete the storage of notebooks: %w", err)
	}
	status := registryutil.NewStatusREST(store, notebook.NewStatusStrategy(scheme))
	return &REST{store}, &StatusREST{status}, nil
}

// ShortNames lets `kubectl get nb` list Notebooks.
func (r *REST) ShortNames() []string {
	return []string{"nb"}
}

// Categories puts Notebooks in `kubectl get ml`.
func (r *REST) Categories() []string {
	return registryutil.Categories()
}
