// Package profile holds the strategies, selectable fields and membership
// rules of Profiles; their storage, with the per-user list and watch and
// the members subresource, is in the storage subpackage.
package profile

import (
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

var kind = registryutil.Kind[*ml.Profile, ml.ProfileSpec, ml.ProfileStatus]{
	Spec:   func(o *ml.Profile) *ml.ProfileSpec { return &o.Spec },
	Status: func(o *ml.Profile) *ml.ProfileStatus { return &o.Status },
	Validate: func(o *ml.Profile, _ validation.Options) field.ErrorList {
		return validation.ValidateProfile(o)
	},
	ValidateUpdate: func(o, old *ml.Profile, _ validation.Options) field.ErrorList {
		return validation.ValidateProfileUpdate(o, old)
	},
	ValidateStatusUpdate: validation.ValidateProfileStatusUpdate,
}

// Strategy is the create, update and delete strategy of Profiles: the
// shared one of every kind, cluster-scoped.
type Strategy struct {
	registryutil.Strategy[*ml.Profile, ml.ProfileSpec, ml.ProfileStatus]
}

// StatusStrategy is the update strategy of the status subresource of Profiles.
type StatusStrategy struct {
	registryutil.StatusStrategy[*ml.Profile, ml.ProfileSpec, ml.ProfileStatus]
}

// NewStrategy returns the strategy of Profiles.
func NewStrategy(typer runtime.ObjectTyper) Strategy {
	return Strategy{registryutil.NewStrategy(typer, kind, validation.DefaultOptions())}
}

// NewStatusStrategy returns the strategy of the status subresource of Profiles.
func NewStatusStrategy(typer runtime.ObjectTyper) StatusStrategy {
	return StatusStrategy{registryutil.NewStatusStrategy(typer, kind)}
}

// NamespaceScoped is false: a Profile owns a namespace and lives in none.
func (Strategy) NamespaceScoped() bool { return false }

// NamespaceScoped is false: a Profile owns a namespace and lives in none.
func (StatusStrategy) NamespaceScoped() bool { return false }

// SelectableFields returns the fields a Profile can be selected by.
func SelectableFields(obj *ml.Profile) fields.Set {
	return registryutil.SelectableFields(&obj.ObjectMeta, string(obj.Status.Phase), nil)
}

// GetAttrs returns the labels and selectable fields of a Profile.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	return registryutil.GetAttrs(obj, SelectableFields)
}
