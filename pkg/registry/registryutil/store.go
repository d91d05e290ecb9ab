package registryutil

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

// StorageOptions are what the storage of every kind is built from; the
// log and metrics subresources take their own dependencies.
type StorageOptions struct {
	// Scheme types the objects the strategies see.
	Scheme *runtime.Scheme
	// RESTOptions reach the etcd of the objects.
	RESTOptions generic.RESTOptionsGetter
	// Validation are the caps objects are validated against.
	Validation validation.Options
}

// Resource is what the main store of one kind is made of: the rest is the
// same for every kind.
type Resource struct {
	// Name and Singular are the plural and singular resource names.
	Name, Singular string
	// NewFunc and NewListFunc return an empty object and list of the kind.
	NewFunc, NewListFunc func() runtime.Object
	// GetAttrs returns an object's labels and selectable fields.
	GetAttrs storage.AttrFunc
	// Strategy creates, updates and deletes objects; StatusStrategy updates
	// them through the status subresource.
	Strategy       MainStrategy
	StatusStrategy rest.UpdateResetFieldsStrategy
	// TableConvertor prints objects for kubectl.
	TableConvertor rest.TableConvertor
	// ShortNames are what `kubectl get` also knows the kind by.
	ShortNames []string
}

// MainStrategy is the strategy of a kind's main resource.
type MainStrategy interface {
	rest.RESTCreateUpdateStrategy
	rest.RESTDeleteStrategy
	rest.ResetFieldsStrategy
}

// REST is the storage of the main resource of a kind.
type REST struct {
	*genericregistry.Store
	shortNames []string
}

var (
	_ rest.ShortNamesProvider = &REST{}
	_ rest.CategoriesProvider = &REST{}
)

// ShortNames are the kind's short names, as in `kubectl get tj`.
func (r *REST) ShortNames() []string {
	return r.shortNames
}

// Categories puts the kind in `kubectl get ml`.
func (r *REST) Categories() []string {
	return Categories()
}

// NewStore returns the etcd storage of r and of its status subresource.
// The status storage is a copy of the main store made before anything is
// added to it, such as AfterDelete hooks.
func NewStore(optsGetter generic.RESTOptionsGetter, r Resource) (*REST, *StatusREST, error) {
	store := &genericregistry.Store{
		NewFunc:                   r.NewFunc,
		NewListFunc:               r.NewListFunc,
		PredicateFunc:             PredicateFunc(r.GetAttrs),
		DefaultQualifiedResource:  ml.Resource(r.Name),
		SingularQualifiedResource: ml.Resource(r.Singular),

		CreateStrategy:      r.Strategy,
		UpdateStrategy:      r.Strategy,
		DeleteStrategy:      r.Strategy,
		ResetFieldsStrategy: r.Strategy,

		TableConvertor: r.TableConvertor,
	}
	options := &generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: r.GetAttrs}
	if err := store.CompleteWithOptions(options); err != nil {
		return nil, nil, fmt.Errorf("complete the storage of %s: %w", r.Name, err)
	}
	return &REST{Store: store, shortNames: r.ShortNames}, NewStatusREST(store, r.StatusStrategy), nil
}
