// Package storage holds the etcd storage of Pipelines and of their status
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
	"ml.example.io/ml-apiserver/pkg/registry/pipeline"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

// REST is the storage of Pipelines.
type REST struct {
	*genericregistry.Store
}

var (
	_ rest.ShortNamesProvider = &REST{}
	_ rest.CategoriesProvider = &REST{}
)

// StatusREST is the storage of the status subresource of Pipelines.
type StatusREST struct {
	*registryutil.StatusREST
}

// NewREST returns the storage of Pipelines and of their status subresource,
// validating objects against the caps in opts.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, opts validation.Options) (*REST, *StatusREST, error) {
	strategy := pipeline.NewStrategy(scheme, opts)
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &ml.Pipeline{} },
		NewListFunc:               func() runtime.Object { return &ml.PipelineList{} },
		PredicateFunc:             registryutil.PredicateFunc(pipeline.GetAttrs),
		DefaultQualifiedResource:  ml.Resource("pipelines"),
		SingularQualifiedResource: ml.Resource("pipeline"),

		CreateStrategy:      strategy,
		UpdateStrategy:      strategy,
		DeleteStrategy:      strategy,
		ResetFieldsStrategy: strategy,

		TableConvertor: newTableConvertor(),
	}
	options := &generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: pipeline.GetAttrs}
	if err := store.CompleteWithOptions(options); err != nil {
		return nil, nil, fmt.Errorf("complete the storage of pipelines: %w", err)
	}
	status := registryutil.NewStatusREST(store, pipeline.NewStatusStrategy(scheme))
	return &REST{store}, &StatusREST{status}, nil
}

// ShortNames lets `kubectl get pl` list Pipelines.
func (r *REST) ShortNames() []string {
	return []string{"pl"}
}

// Categories puts Pipelines in `kubectl get ml`.
func (r *REST) Categories() []string {
	return registryutil.Categories()
}
