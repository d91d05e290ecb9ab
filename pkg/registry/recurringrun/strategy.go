// Package recurringrun holds the strategies and selectable fields of
// RecurringRuns; their storage is in the storage subpackage.
package recurringrun

import (
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

var kind = registryutil.Kind[*ml.RecurringRun, ml.RecurringRunSpec, ml.RecurringRunStatus]{
	Spec:                 func(o *ml.RecurringRun) *ml.RecurringRunSpec { return &o.Spec },
	Status:               func(o *ml.RecurringRun) *ml.RecurringRunStatus { return &o.Status },
	Validate:             validation.ValidateRecurringRun,
	ValidateUpdate:       validation.ValidateRecurringRunUpdate,
	ValidateStatusUpdate: validation.ValidateRecurringRunStatusUpdate,
}

// Strategy is the create, update and delete strategy of RecurringRuns.
type Strategy = registryutil.Strategy[*ml.RecurringRun, ml.RecurringRunSpec, ml.RecurringRunStatus]

// StatusStrategy is the update strategy of the status subresource of RecurringRuns.
type StatusStrategy = registryutil.StatusStrategy[*ml.RecurringRun, ml.RecurringRunSpec, ml.RecurringRunStatus]

// NewStrategy returns the strategy of RecurringRuns; the run template is
// validated against the caps in opts.
func NewStrategy(typer runtime.ObjectTyper, opts validation.Options) Strategy {
	return registryutil.NewStrategy(typer, kind, opts)
}

// NewStatusStrategy returns the strategy of the status subresource of RecurringRuns.
func NewStatusStrategy(typer runtime.ObjectTyper) StatusStrategy {
	return registryutil.NewStatusStrategy(typer, kind)
}

// SelectableFields returns the fields a RecurringRun can be selected by;
// it has no phase, so status.phase is always empty.
func SelectableFields(obj *ml.RecurringRun) fields.Set {
	return registryutil.SelectableFields(&obj.ObjectMeta, "", nil)
}

// GetAttrs returns the labels and selectable fields of a RecurringRun.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	return registryutil.GetAttrs(obj, SelectableFields)
}
