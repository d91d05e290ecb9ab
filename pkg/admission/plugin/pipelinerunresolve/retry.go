package pipelinerunresolve

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/plan"
)

// resolveRetry gives a run with spec.retryOf the snapshot, the effective
// params and the reference of the run it retries, which must have ended
// Failed or Canceled, and starts its tasks with those that succeeded
// there (see plan.Reused). The run retried is only read.
func (p *Plugin) resolveRetry(ctx context.Context, namespace string, run *ml.PipelineRun) field.ErrorList {
	name := run.Spec.RetryOf.Name
	namePath := field.NewPath("spec", "retryOf", "name")
	runs := p.client.MlV1alpha1().PipelineRuns(namespace)
	prev, err := runs.Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return field.ErrorList{field.Invalid(namePath, name, fmt.Sprintf("PipelineRun %q does not exist in namespace %q", name, namespace))}
	case err != nil:
		return field.ErrorList{field.InternalError(namePath, fmt.Errorf("read PipelineRun %q: %w", name, err))}
	}
	switch prev.Status.Phase {
	case mlv1alpha1.PipelineRunFailed, mlv1alpha1.PipelineRunCanceled:
	default:
		phase := string(prev.Status.Phase)
		if phase == "" {
			phase = string(mlv1alpha1.PipelineRunPending)
		}
		return field.ErrorList{field.Invalid(namePath, name, fmt.Sprintf(
			"PipelineRun %q is %s: only a run that ended Failed or Canceled can be retried", name, phase))}
	}
	snapshot, err := runs.GetPipeline(ctx, name, metav1.GetOptions{})
	if err != nil {
		return field.ErrorList{field.InternalError(namePath, fmt.Errorf("read the pipeline of PipelineRun %q: %w", name, err))}
	}
	spec := &ml.PipelineSpec{}
	if err := mlv1alpha1.Convert_v1alpha1_PipelineSpec_To_ml_PipelineSpec(&snapshot.Spec, spec, nil); err != nil {
		return field.ErrorList{field.InternalError(namePath, fmt.Errorf("convert the pipeline of PipelineRun %q: %w", name, err))}
	}
	prevRun := &ml.PipelineRun{}
	if err := mlv1alpha1.Convert_v1alpha1_PipelineRun_To_ml_PipelineRun(prev, prevRun, nil); err != nil {
		return field.ErrorList{field.InternalError(namePath, fmt.Errorf("convert PipelineRun %q: %w", name, err))}
	}
	ref := &ml.PipelineSnapshotRef{}
	if prevRun.Status.Pipeline != nil {
		ref = &ml.PipelineSnapshotRef{Name: prevRun.Status.Pipeline.Name, ResourceVersion: prevRun.Status.Pipeline.ResourceVersion, Generation: prevRun.Status.Pipeline.Generation}
	}
	run.Status.Pipeline, run.Status.PipelineSpec = ref, spec
	run.Status.Params = append([]ml.Param(nil), prevRun.Status.Params...)
	run.Status.Tasks = plan.Reused(prevRun, spec)
	return nil
}
