// Package pipeline holds the strategies and selectable fields of Pipelines;
// their storage is in the storage subpackage.
package pipeline

import (
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

var kind = registryutil.Kind[*ml.Pipeline, ml.PipelineSpec, ml.PipelineStatus]{
	Spec:                 func(o *ml.Pipeline) *ml.PipelineSpec { return &o.Spec },
	Status:               func(o *ml.Pipeline) *ml.PipelineStatus { return &o.Status },
	Validate:             validation.ValidatePipeline,
	ValidateUpdate:       validation.ValidatePipelineUpdate,
	ValidateStatusUpdate: validation.ValidatePipelineStatusUpdate,
}

// Strategy is the create, update and delete strategy of Pipelines.
type Strategy = registryutil.Strategy[*ml.Pipeline, ml.PipelineSpec, ml.PipelineStatus]

// StatusStrategy is the update strategy of the status subresource of Pipelines.
type StatusStrategy = registryutil.StatusStrategy[*ml.Pipeline, ml.PipelineSpec, ml.PipelineStatus]

// NewStrategy returns the strategy of Pipelines, which validates them against
// the caps in opts.
func NewStrategy(typer runtime.ObjectTyper, opts validation.Options) Strategy {
	return registryutil.NewStrategy(typer, kind, opts)
}

// NewStatusStrategy returns the strategy of the status subresource of Pipelines.
func NewStatusStrategy(typer runtime.ObjectTyper) StatusStrategy {
	return registryutil.NewStatusStrategy(typer, kind)
}

// SelectableFields returns the fields a Pipeline can be selected by.
func SelectableFields(obj *ml.Pipeline) fields.Set {
	return registryutil.SelectableFields(&obj.ObjectMeta, obj.Status.Phase, nil)
}

// GetAttrs returns the labels and selectable fields of a Pipeline.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	return registryutil.GetAttrs(obj, SelectableFields)
}
