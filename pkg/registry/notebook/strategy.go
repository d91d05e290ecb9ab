// Package notebook holds the strategies and selectable fields of Notebooks;
// their storage is in the storage subpackage.
package notebook

import (
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

var kind = registryutil.Kind[*ml.Notebook, ml.NotebookSpec, ml.NotebookStatus]{
	Spec:   func(o *ml.Notebook) *ml.NotebookSpec { return &o.Spec },
	Status: func(o *ml.Notebook) *ml.NotebookStatus { return &o.Status },
	// A notebook runs 0 or 1 replica: no server cap applies.
	Validate: func(o *ml.Notebook, _ validation.Options) field.ErrorList {
		return validation.ValidateNotebook(o)
	},
	ValidateUpdate: func(o, old *ml.Notebook, _ validation.Options) field.ErrorList {
		return validation.ValidateNotebookUpdate(o, old)
	},
	ValidateStatusUpdate: validation.ValidateNotebookStatusUpdate,
}

// Strategy is the create, update and delete strategy of Notebooks.
type Strategy = registryutil.Strategy[*ml.Notebook, ml.NotebookSpec, ml.NotebookStatus]

// StatusStrategy is the update strategy of the status subresource of Notebooks.
type StatusStrategy = registryutil.StatusStrategy[*ml.Notebook, ml.NotebookSpec, ml.NotebookStatus]

// NewStrategy returns the strategy of Notebooks; opts are the server's caps,
// none of which applies to a notebook today.
func NewStrategy(typer runtime.ObjectTyper, opts validation.Options) Strategy {
	return registryutil.NewStrategy(typer, kind, opts)
}

// NewStatusStrategy returns the strategy of the status subresource of Notebooks.
func NewStatusStrategy(typer runtime.ObjectTyper) StatusStrategy {
	return registryutil.NewStatusStrategy(typer, kind)
}

// SelectableFields returns the fields a Notebook can be selected by.
func SelectableFields(obj *ml.Notebook) fields.Set {
	return registryutil.SelectableFields(&obj.ObjectMeta, string(obj.Status.Phase), nil)
}

// GetAttrs returns the labels and selectable fields of a Notebook.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	return registryutil.GetAttrs(obj, SelectableFields)
}
