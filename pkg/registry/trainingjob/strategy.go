// Package trainingjob holds the strategies and selectable fields of
// TrainingJobs; their storage is in the storage subpackage.
package trainingjob

import (
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

// FrameworkField selects jobs by framework:
// `kubectl get tj --field-selector spec.framework=PyTorch`.
const FrameworkField = "spec.framework"

var kind = registryutil.Kind[*ml.TrainingJob, ml.TrainingJobSpec, ml.TrainingJobStatus]{
	Spec:                 func(o *ml.TrainingJob) *ml.TrainingJobSpec { return &o.Spec },
	Status:               func(o *ml.TrainingJob) *ml.TrainingJobStatus { return &o.Status },
	Validate:             validation.ValidateTrainingJob,
	ValidateUpdate:       validation.ValidateTrainingJobUpdate,
	ValidateStatusUpdate: validation.ValidateTrainingJobStatusUpdate,
}

// Strategy is the create, update and delete strategy of TrainingJobs.
type Strategy = registryutil.Strategy[*ml.TrainingJob, ml.TrainingJobSpec, ml.TrainingJobStatus]

// StatusStrategy is the update strategy of the status subresource of TrainingJobs.
type StatusStrategy = registryutil.StatusStrategy[*ml.TrainingJob, ml.TrainingJobSpec, ml.TrainingJobStatus]

// NewStrategy returns the strategy of TrainingJobs, which validates them against
// the caps in opts.
func NewStrategy(typer runtime.ObjectTyper, opts validation.Options) Strategy {
	return registryutil.NewStrategy(typer, kind, opts)
}

// NewStatusStrategy returns the strategy of the status subresource of TrainingJobs.
func NewStatusStrategy(typer runtime.ObjectTyper) StatusStrategy {
	return registryutil.NewStatusStrategy(typer, kind)
}

// SelectableFields returns the fields a TrainingJob can be selected by.
func SelectableFields(obj *ml.TrainingJob) fields.Set {
	return registryutil.SelectableFields(&obj.ObjectMeta, string(obj.Status.Phase), fields.Set{
		FrameworkField: string(obj.Spec.Framework),
	})
}

// GetAttrs returns the labels and selectable fields of a TrainingJob.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	return registryutil.GetAttrs(obj, SelectableFields)
}
