package notebook

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// computeStatus fills in the notebook's status from its children as the
// cache has them and what this sync did: counts, URL, selector, the Ready
// condition and the phase. status.lastActivityTime is kept.
func computeStatus(s *syncState) {
	nb := s.nb
	st := &nb.Status
	st.ObservedGeneration = nb.Generation
	st.Selector = Selector(nb.Name).String()
	st.URL = ""
	if s.serviceExists {
		st.URL = s.url
	}
	st.Replicas, st.ReadyReplicas = 0, 0
	if s.set != nil {
		st.Replicas, st.ReadyReplicas = s.set.CurrentReplicas, s.set.ReadyReplicas
	}
	phase, status, reason, message := readiness(s)
	st.Phase = phase
	meta.SetStatusCondition(&st.Conditions, metav1.Condition{
		Type:               ConditionReady,
		Status:             status,
		Reason:             reason,
		Message:            message,
		ObservedGeneration: nb.Generation,
		LastTransitionTime: s.now,
	})
}

// readiness is the phase of the notebook and its Ready condition.
func readiness(s *syncState) (mlv1alpha1.NotebookPhase, metav1.ConditionStatus, string, string) {
	claim := WorkspaceClaimName(s.nb.Name)
	f := metav1.ConditionFalse
	switch {
	case s.nameTaken != nil:
		return mlv1alpha1.NotebookFailed, f, ReasonNameTaken, s.nameTaken.Error()
	case s.volume != nil && s.volume.Phase == workload.VolumeLost:
		return mlv1alpha1.NotebookFailed, f, ReasonVolumeLost, fmt.Sprintf("PersistentVolumeClaim %s lost its volume", claim)
	case s.desired == 0:
		msg := fmt.Sprintf("Stopped; the workspace %s is kept", claim)
		if s.set != nil && s.set.CurrentReplicas > 0 {
			msg = fmt.Sprintf("Stopping; the workspace %s is kept", claim)
		}
		return mlv1alpha1.NotebookStopped, f, ReasonStopped, msg
	case s.set != nil && s.setChange == workload.SetUnchanged && s.set.Observed && s.set.Replicas == 1 && s.set.ReadyReplicas >= 1:
		return mlv1alpha1.NotebookRunning, metav1.ConditionTrue, ReasonRunning, "Running at " + s.url
	case s.volume == nil || s.volume.Phase == workload.VolumePending:
		return mlv1alpha1.NotebookPending, f, ReasonWaitingForVolume, fmt.Sprintf("Waiting for PersistentVolumeClaim %s to be bound", claim)
	case s.set != nil && s.set.Reason == workload.ReasonWaitingForProcessSlot:
		return mlv1alpha1.NotebookPending, f, ReasonWaitingForProcessSlot, "The notebook's pod is " + s.set.Message
	default:
		return mlv1alpha1.NotebookPending, f, ReasonStarting, "Starting the notebook's pod"
	}
}
