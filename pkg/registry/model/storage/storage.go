// Package storage holds the etcd storage of Models and of their status
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
	"ml.example.io/ml-apiserver/pkg/registry/model"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

// REST is the storage of Models.
type REST struct {
	*genericregistry.Store
}

var (
	_ rest.ShortNamesProvider = &REST{}
	_ rest.CategoriesProvider = &REST{}
)

// StatusREST is the storage of the status subresource of Models.
type StatusREST struct {
	*registryutil.StatusREST
}

// NewREST returns the storage of Models and of their status subresource,
// validating objects against the caps in opts.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, opts validation.Options) (*REST, *StatusREST, error) {
	strategy := model.NewStrategy(scheme, opts)
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &ml.Model{} },
		NewListFunc:               func() runtime.Object { return &ml.ModelList{} },
		PredicateFunc:             registryutil.PredicateFunc(model.GetAttrs),
		DefaultQualifiedResource:  ml.Resource("models"),
		SingularQualifiedResource: ml.Resource("model"),

		CreateStrategy:      strategy,
		UpdateStrategy:      strategy,
		DeleteStrategy:      strategy,
		ResetFieldsStrategy: strategy,

		TableConvertor: newTableConvertor(),
	}
	options := &generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: model.GetAttrs}
	if err := store.CompleteWithOptions(options); err != nil {
		return nil, nil, fmt.Errorf("complete the storage of models: %w", err)
	}
	status := registryutil.NewStatusREST(store, model.NewStatusStrategy(scheme))
	return &REST{store}, &StatusREST{status}, nil
}

// ShortNames lets `kubectl get mdl` list Models.
func (r *REST) ShortNames() []string {
	return []string{"mdl"}
}

// Categories puts Models in `kubectl get ml`.
func (r *REST) Categories() []string {
	return registryutil.Categories()
}
