// Package pipelinerun holds the strategies and selectable fields of
// PipelineRuns; their storage is in the storage subpackage.
package pipelinerun

import (
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

// PipelineRefField selects the runs of one Pipeline:
// `kubectl get plr --field-selector spec.pipelineRef.name=train`.
const PipelineRefField = "spec.pipelineRef.name"

var kind = registryutil.Kind[*ml.PipelineRun, ml.PipelineRunSpec, ml.PipelineRunStatus]{
	Spec:                 func(o *ml.PipelineRun) *ml.PipelineRunSpec { return &o.Spec },
	Status:               func(o *ml.PipelineRun) *ml.PipelineRunStatus { return &o.Status },
	Validate:             validation.ValidatePipelineRun,
	ValidateUpdate:       validation.ValidatePipelineRunUpdate,
	ValidateStatusUpdate: validation.ValidatePipelineRunStatusUpdate,
}

// Strategy is the create, update and delete strategy of PipelineRuns.
type Strategy = registryutil.Strategy[*ml.PipelineRun, ml.PipelineRunSpec, ml.PipelineRunStatus]

// StatusStrategy is the update strategy of the status subresource of PipelineRuns.
type StatusStrategy = registryutil.StatusStrategy[*ml.PipelineRun, ml.PipelineRunSpec, ml.PipelineRunStatus]

// NewStrategy returns the strategy of PipelineRuns.
func NewStrategy(typer runtime.ObjectTyper) Strategy {
	return registryutil.NewStrategy(typer, kind)
}

// NewStatusStrategy returns the strategy of the status subresource of PipelineRuns.
func NewStatusStrategy(typer runtime.ObjectTyper) StatusStrategy {
	return registryutil.NewStatusStrategy(typer, kind)
}

// SelectableFields returns the fields a PipelineRun can be selected by.
func SelectableFields(obj *ml.PipelineRun) fields.Set {
	pipeline := ""
	if obj.Spec.PipelineRef != nil {
		pipeline = obj.Spec.PipelineRef.Name
	}
	return registryutil.SelectableFields(&obj.ObjectMeta, string(obj.Status.Phase), fields.Set{
		PipelineRefField: pipeline,
	})
}

// GetAttrs returns the labels and selectable fields of a PipelineRun.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	return registryutil.GetAttrs(obj, SelectableFields)
}
