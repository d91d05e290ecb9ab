// Package model holds the strategies and selectable fields of Models; their
// storage is in the storage subpackage.
package model

import (
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

// TrainingJobRefField selects the Models served from one TrainingJob:
// `kubectl get mdl --field-selector spec.source.trainingJobRef.name=train`.
const TrainingJobRefField = "spec.source.trainingJobRef.name"

var kind = registryutil.Kind[*ml.Model, ml.ModelSpec, ml.ModelStatus]{
	Spec:                 func(o *ml.Model) *ml.ModelSpec { return &o.Spec },
	Status:               func(o *ml.Model) *ml.ModelStatus { return &o.Status },
	Validate:             validation.ValidateModel,
	ValidateUpdate:       validation.ValidateModelUpdate,
	ValidateStatusUpdate: validation.ValidateModelStatusUpdate,
}

// Strategy is the create, update and delete strategy of Models.
type Strategy = registryutil.Strategy[*ml.Model, ml.ModelSpec, ml.ModelStatus]

// StatusStrategy is the update strategy of the status subresource of Models.
type StatusStrategy = registryutil.StatusStrategy[*ml.Model, ml.ModelSpec, ml.ModelStatus]

// NewStrategy returns the strategy of Models, which validates them against
// the caps in opts.
func NewStrategy(typer runtime.ObjectTyper, opts validation.Options) Strategy {
	return registryutil.NewStrategy(typer, kind, opts)
}

// NewStatusStrategy returns the strategy of the status subresource of Models.
func NewStatusStrategy(typer runtime.ObjectTyper) StatusStrategy {
	return registryutil.NewStatusStrategy(typer, kind)
}

// SelectableFields returns the fields a Model can be selected by.
func SelectableFields(obj *ml.Model) fields.Set {
	trainingJob := ""
	if obj.Spec.Source.TrainingJobRef != nil {
		trainingJob = obj.Spec.Source.TrainingJobRef.Name
	}
	return registryutil.SelectableFields(&obj.ObjectMeta, string(obj.Status.Phase), fields.Set{
		TrainingJobRefField: trainingJob,
	})
}

// GetAttrs returns the labels and selectable fields of a Model.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	return registryutil.GetAttrs(obj, SelectableFields)
}
