// Package pipelinerun holds the strategies and selectable fields of
// PipelineRuns; their storage is in the storage subpackage.
package pipelinerun

import (
	"context"

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

// Strategy is the create, update and delete strategy of PipelineRuns. It
// is the shared strategy but for the resolved snapshot: the
// PipelineRunResolve admission plugin writes status.pipeline (where the
// snapshot comes from), the snapshot itself (status.pipelineSpec, in
// memory: the storage moves it to the pipeline subresource) and
// status.params on create, and they are kept from then on, so that what a
// run executes never changes while it is in flight.
type Strategy struct {
	registryutil.Strategy[*ml.PipelineRun, ml.PipelineRunSpec, ml.PipelineRunStatus]
}

// StatusStrategy is the update strategy of the status subresource of
// PipelineRuns. The snapshot and the reference to it cannot change
// through it either; the controller writes the rest of the status.
type StatusStrategy struct {
	registryutil.StatusStrategy[*ml.PipelineRun, ml.PipelineRunSpec, ml.PipelineRunStatus]
}

// NewStrategy returns the strategy of PipelineRuns, which validates them against
// the caps in opts.
func NewStrategy(typer runtime.ObjectTyper, opts validation.Options) Strategy {
	return Strategy{registryutil.NewStrategy(typer, kind, opts)}
}

// NewStatusStrategy returns the strategy of the status subresource of PipelineRuns.
func NewStatusStrategy(typer runtime.ObjectTyper) StatusStrategy {
	return StatusStrategy{registryutil.NewStatusStrategy(typer, kind)}
}

// PrepareForCreate clears the status but for the snapshot admission
// resolved (status.pipeline, status.pipelineSpec and status.params, and
// for a retry the tasks reused from the run it retries, status.tasks),
// and starts the generation at 1. Mutating admission runs before this, so
// these fields are whatever PipelineRunResolve wrote over the client's
// input.
func (s Strategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	run := obj.(*ml.PipelineRun)
	ref, spec, params, tasks := run.Status.Pipeline, run.Status.PipelineSpec, run.Status.Params, run.Status.Tasks
	s.Strategy.PrepareForCreate(ctx, obj)
	run.Status.Pipeline, run.Status.PipelineSpec, run.Status.Params = ref, spec, params
	if run.Spec.RetryOf != nil {
		run.Status.Tasks = tasks
	}
}

// PrepareForUpdate restores the stored spec, as the shared status strategy
// does, and the stored snapshot and reference, whatever the update says:
// the controller never sends the snapshot, and a snapshot an earlier
// version stored in status.pipelineSpec stays for the storage to move out.
// The params are kept once there is a snapshot.
func (s StatusStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	s.StatusStrategy.PrepareForUpdate(ctx, obj, old)
	run, oldRun := obj.(*ml.PipelineRun), old.(*ml.PipelineRun)
	run.Status.Pipeline, run.Status.PipelineSpec = oldRun.Status.Pipeline, oldRun.Status.PipelineSpec
	if oldRun.Status.Pipeline != nil || oldRun.Status.PipelineSpec != nil {
		run.Status.Params = oldRun.Status.Params
	}
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
