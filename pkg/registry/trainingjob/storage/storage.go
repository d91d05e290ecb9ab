// Package storage holds the etcd storage of TrainingJobs and of their status
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
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
	"ml.example.io/ml-apiserver/pkg/registry/trainingjob"
)

// REST is the storage of TrainingJobs.
type REST struct {
	*genericregistry.Store
}

var (
	_ rest.ShortNamesProvider = &REST{}
	_ rest.CategoriesProvider = &REST{}
)

// StatusREST is the storage of the status subresource of TrainingJobs.
type StatusREST struct {
	*registryutil.StatusREST
}

// NewREST returns the storage of TrainingJobs and of their status subresource,
// validating objects against the caps in opts.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, opts validation.Options) (*REST, *StatusREST, error) {
	strategy := trainingjob.NewStrategy(scheme, opts)
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &ml.TrainingJob{} },
		NewListFunc:               func() runtime.Object { return &ml.TrainingJobList{} },
		PredicateFunc:             registryutil.PredicateFunc(trainingjob.GetAttrs),
		DefaultQualifiedResource:  ml.Resource("trainingjobs"),
		SingularQualifiedResource: ml.Resource("trainingjob"),

		CreateStrategy:      strategy,
		UpdateStrategy:      strategy,
		DeleteStrategy:      strategy,
		ResetFieldsStrategy: strategy,

		TableConvertor: newTableConvertor(),
	}
	options := &generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: trainingjob.GetAttrs}
	if err := store.CompleteWithOptions(options); err != nil {
		return nil, nil, fmt.Errorf("complete the storage of trainingjobs: %w", err)
	}
	status := registryutil.NewStatusREST(store, trainingjob.NewStatusStrategy(scheme))
	return &REST{store}, &StatusREST{status}, nil
}

// ShortNames lets `kubectl get tj` list TrainingJobs.
func (r *REST) ShortNames() []string {
	return []string{"tj"}
}

// Categories puts TrainingJobs in `kubectl get ml`.
func (r *REST) Categories() []string {
	return registryutil.Categories()
}
