package tuningjob

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// runPhase is where a trial's TrainingJob or PipelineRun is, in the terms
// the controller needs for both kinds.
type runPhase string

const (
	runPending   runPhase = "Pending"
	runRunning   runPhase = "Running"
	runSucceeded runPhase = "Succeeded"
	runFailed    runPhase = "Failed"
	// runHalted: the TrainingJob is Suspended, the PipelineRun Canceled;
	// it runs nothing more.
	runHalted runPhase = "Halted"
)

// trialObject is the TrainingJob or the PipelineRun of a trial: exactly
// one is set.
type trialObject struct {
	tj  *mlv1alpha1.TrainingJob
	run *mlv1alpha1.PipelineRun
}

// meta is the object's metadata.
func (o trialObject) meta() metav1.Object {
	if o.run != nil {
		return o.run
	}
	return o.tj
}

func (o trialObject) name() string                       { return o.meta().GetName() }
func (o trialObject) annotation(key string) string       { return o.meta().GetAnnotations()[key] }
func (o trialObject) resource() string                   { return resourceOf(o.run != nil) }
func (o trialObject) kind() string                       { return kindOf(o.run != nil) }
func (o trialObject) controller() *metav1.OwnerReference { return metav1.GetControllerOf(o.meta()) }

// resourceOf and kindOf name the kind of the trials: PipelineRuns or
// TrainingJobs.
func resourceOf(pipeline bool) string {
	if pipeline {
		return "pipelineruns"
	}
	return "trainingjobs"
}

func kindOf(pipeline bool) string {
	if pipeline {
		return "PipelineRun"
	}
	return "TrainingJob"
}

// phase is where the object is.
func (o trialObject) phase() runPhase {
	if o.run != nil {
		switch o.run.Status.Phase {
		case mlv1alpha1.PipelineRunRunning:
			return runRunning
		case mlv1alpha1.PipelineRunSucceeded:
			return runSucceeded
		case mlv1alpha1.PipelineRunFailed:
			return runFailed
		case mlv1alpha1.PipelineRunCanceled:
			return runHalted
		}
		return runPending
	}
	switch o.tj.Status.Phase {
	case mlv1alpha1.TrainingJobRunning:
		return runRunning
	case mlv1alpha1.TrainingJobSucceeded:
		return runSucceeded
	case mlv1alpha1.TrainingJobFailed:
		return runFailed
	case mlv1alpha1.TrainingJobSuspended:
		return runHalted
	}
	return runPending
}

// haltRequested says whether the object was told to stop: a suspended
// TrainingJob, a canceled PipelineRun.
func (o trialObject) haltRequested() bool {
	if o.run != nil {
		return o.run.Spec.Cancel
	}
	return o.tj.Spec.Suspend
}

// stoppedBy is why the controller stopped the trial (early stopping or
// its budget), "" when it did not.
func (o trialObject) stoppedBy() (annotation, reason string) {
	if r := o.annotation(mlv1alpha1.BudgetReachedAnnotation); r != "" {
		return mlv1alpha1.BudgetReachedAnnotation, r
	}
	if r := o.annotation(mlv1alpha1.EarlyStoppedAnnotation); r != "" {
		return mlv1alpha1.EarlyStoppedAnnotation, r
	}
	return "", ""
}
