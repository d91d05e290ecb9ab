package pipelinerunresolve

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/plan"
)

// SetAuthorizer checks retries against the server's authorizer. Without
// one (standalone mode, where only administrators are allowed anyway) a
// retry is not checked beyond the create.
func (p *Plugin) SetAuthorizer(a authorizer.Authorizer) { p.authz = a }

// authorizeRetry refuses (403) a retry by a user who may not read the run
// retried and its pipeline: the plugin reads both with the server's own
// client, and the retry would show them to its creator.
func (p *Plugin) authorizeRetry(ctx context.Context, a admission.Attributes, name string) error {
	if p.authz == nil {
		return nil
	}
	for _, sub := range []string{"", "pipeline"} {
		attrs := authorizer.AttributesRecord{
			User: a.GetUserInfo(), Verb: "get", Namespace: a.GetNamespace(), Name: name,
			APIGroup: ml.GroupName, APIVersion: "v1alpha1", Resource: "pipelineruns", Subresource: sub, ResourceRequest: true,
		}
		decision, reason, err := p.authz.Authorize(ctx, attrs)
		if err != nil {
			return apierrors.NewInternalError(fmt.Errorf("authorize reading PipelineRun %q: %w", name, err))
		}
		if decision != authorizer.DecisionAllow {
			what := "pipelineruns"
			if sub != "" {
				what += "/" + sub
			}
			msg := fmt.Sprintf("spec.retryOf: retrying PipelineRun %q needs get on %s in namespace %q", name, what, a.GetNamespace())
			if reason != "" {
				msg += ": " + reason
			}
			return apierrors.NewForbidden(ml.Resource("pipelineruns"), a.GetName(), errors.New(msg))
		}
	}
	return nil
}

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
	if apierrors.IsNotFound(err) {
		// A run created while this plugin was off, which failed with
		// SnapshotMissing: there is nothing to run again.
		return field.ErrorList{field.Invalid(namePath, name, fmt.Sprintf("PipelineRun %q has no pipeline snapshot to retry", name))}
	}
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
