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
	case s.set != nil && s.set.Failed:
		return mlv1alpha1.NotebookFailed, f, s.set.Reason, fmt.Sprintf("StatefulSet %s: %s", s.set.Name, s.set.Message)
	case s.set != nil && s.set.Reason != "":
		// Why its pod does not become ready: a crash loop, an image that
		// cannot be pulled.
		return mlv1alpha1.NotebookPending, f, s.set.Reason, fmt.Sprintf("The notebook's pod does not start: %s: %s", s.set.Reason, s.set.Message)
	default:
		return mlv1alpha1.NotebookPending, f, ReasonStarting, "Starting the notebook's pod"
	}
}

// newProblem returns the Ready condition of written when it newly says
// why the notebook's pod does not run (a crash loop, an image that cannot
// be pulled, a command that cannot start), for a Warning event.
func newProblem(stored, written *mlv1alpha1.Notebook) (*metav1.Condition, bool) {
	c := meta.FindStatusCondition(written.Status.Conditions, ConditionReady)
	if c == nil || c.Status == metav1.ConditionTrue {
		return nil, false
	}
	switch c.Reason {
	case ReasonStarting, ReasonStopped, ReasonWaitingForVolume, ReasonWaitingForProcessSlot:
		return nil, false
	}
	if old := meta.FindStatusCondition(stored.Status.Conditions, ConditionReady); old != nil && old.Reason == c.Reason {
		return nil, false
	}
	return c, true
}
