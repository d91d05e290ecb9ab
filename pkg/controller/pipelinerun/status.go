package pipelinerun

import (
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// setConditions sets the conditions of a run from its phase: Running
// while it runs; Succeeded and Failed once it ended. Transition times move
// only when a condition's status changes.
func setConditions(st *mlv1alpha1.PipelineRunStatus, generation int64, reason, message string, now time.Time) {
	set := func(condType string, status metav1.ConditionStatus) {
		meta.SetStatusCondition(&st.Conditions, metav1.Condition{
			Type:               condType,
			Status:             status,
			Reason:             reason,
			Message:            message,
			ObservedGeneration: generation,
			LastTransitionTime: metav1.NewTime(now),
		})
	}
	switch st.Phase {
	case mlv1alpha1.PipelineRunSucceeded:
		set(ConditionRunning, metav1.ConditionFalse)
		set(ConditionSucceeded, metav1.ConditionTrue)
		set(ConditionFailed, metav1.ConditionFalse)
	case mlv1alpha1.PipelineRunFailed, mlv1alpha1.PipelineRunCanceled:
		set(ConditionRunning, metav1.ConditionFalse)
		set(ConditionSucceeded, metav1.ConditionFalse)
		set(ConditionFailed, metav1.ConditionTrue)
	case mlv1alpha1.PipelineRunRunning:
		set(ConditionRunning, metav1.ConditionTrue)
	default:
		set(ConditionRunning, metav1.ConditionFalse)
	}
}
