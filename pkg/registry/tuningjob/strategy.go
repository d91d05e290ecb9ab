// Package tuningjob holds the strategies and selectable fields of
// TuningJobs; their storage is in the storage subpackage.
package tuningjob

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

var kind = registryutil.Kind[*ml.TuningJob, ml.TuningJobSpec, ml.TuningJobStatus]{
	Spec:                 func(o *ml.TuningJob) *ml.TuningJobSpec { return &o.Spec },
	Status:               func(o *ml.TuningJob) *ml.TuningJobStatus { return &o.Status },
	Validate:             validate,
	ValidateUpdate:       validateUpdate,
	ValidateStatusUpdate: validation.ValidateTuningJobStatusUpdate,
}

// Strategy is the create, update and delete strategy of TuningJobs: the
// shared one, with a warning about the objective metric.
type Strategy struct {
	registryutil.Strategy[*ml.TuningJob, ml.TuningJobSpec, ml.TuningJobStatus]
}

// StatusStrategy is the update strategy of the status subresource of TuningJobs.
type StatusStrategy = registryutil.StatusStrategy[*ml.TuningJob, ml.TuningJobSpec, ml.TuningJobStatus]

// NewStrategy returns the strategy of TuningJobs; the trial template and
// the trial counts are validated against the caps in opts.
func NewStrategy(typer runtime.ObjectTyper, opts validation.Options) Strategy {
	return Strategy{registryutil.NewStrategy(typer, kind, opts)}
}

// NewStatusStrategy returns the strategy of the status subresource of TuningJobs.
func NewStatusStrategy(typer runtime.ObjectTyper) StatusStrategy {
	return registryutil.NewStatusStrategy(typer, kind)
}

// WarningsOnCreate warns that the objective metric's name cannot be
// checked before a trial reports it: a misspelt name is not refused, the
// trials then end without an objective value.
func (Strategy) WarningsOnCreate(ctx context.Context, obj runtime.Object) []string {
	return objectiveWarnings(obj.(*ml.TuningJob))
}

// WarningsOnUpdate repeats the objective warning until a trial reported
// the objective metric.
func (Strategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return objectiveWarnings(obj.(*ml.TuningJob))
}

func objectiveWarnings(tun *ml.TuningJob) []string {
	if tun.Status.BestTrial != nil {
		return nil
	}
	return []string{fmt.Sprintf("spec.objective.metric: no trial has reported %q yet; it is checked against the first metrics the trials report (`kubectl get tj -l ml.example.io/tuning-job=%s -o wide`)",
		tun.Spec.Objective.Metric, tun.Name)}
}

// SelectableFields returns the fields a TuningJob can be selected by.
func SelectableFields(obj *ml.TuningJob) fields.Set {
	return registryutil.SelectableFields(&obj.ObjectMeta, string(obj.Status.Phase), nil)
}

// GetAttrs returns the labels and selectable fields of a TuningJob.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	return registryutil.GetAttrs(obj, SelectableFields)
}
