package model

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// computeStatus fills in the model's status from the sources, the
// Deployments as the cache has them and what this sync did: counts, URL,
// selector, the SourceResolved and Ready conditions and the phase.
func computeStatus(s *syncState) {
	m := s.model
	st := &m.Status
	st.ObservedGeneration = m.Generation
	st.Selector = Selector(m.Name).String()
	st.ModelURI = s.source.URI
	st.Source = nil
	if src := s.source; src.resolved() {
		st.Source = &mlv1alpha1.ModelSourceStatus{URI: src.URI, Artifact: src.Artifact, Digest: src.Digest, Producer: src.Producer.DeepCopy()}
	}
	st.URL = ""
	if s.serviceExists {
		st.URL = s.url
	}
	st.Replicas, st.ReadyReplicas, st.CanaryReplicas = 0, 0, 0
	for _, set := range s.sets {
		st.Replicas += set.CurrentReplicas
		st.ReadyReplicas += set.ReadyReplicas
		if set.Name == DeploymentName(m.Name, TrackCanary) {
			st.CanaryReplicas = set.CurrentReplicas
		}
	}

	setSourceCondition(s)
	setRuntimeStatus(s)
	phase, status, reason, message := readiness(s)
	st.Phase = phase
	s.setCondition(ConditionReady, status, reason, message)
}

// setSourceCondition sets SourceResolved: true when the model's source,
// and the canary's if any, have a location.
func setSourceCondition(s *syncState) {
	src, canary := s.source, s.canarySource
	switch {
	case !src.resolved():
		s.setCondition(ConditionSourceResolved, metav1.ConditionFalse, src.Reason, src.Message)
	case s.model.Spec.Canary != nil && !canary.resolved():
		s.setCondition(ConditionSourceResolved, metav1.ConditionFalse, canary.Reason,
			"Canary: "+canary.Message+"; the stable version gets every replica meanwhile")
	case s.hasCanary():
		s.setCondition(ConditionSourceResolved, metav1.ConditionTrue, ReasonResolved, src.Message+"; canary: "+canary.Message)
	default:
		s.setCondition(ConditionSourceResolved, metav1.ConditionTrue, ReasonResolved, src.Message)
	}
}

// readiness is the phase of the model and its Ready condition. Ready
// means every track that should run has its Deployment available (by the
// Deployment's Available condition) with ready pods.
func readiness(s *syncState) (mlv1alpha1.ModelPhase, metav1.ConditionStatus, string, string) {
	m := s.model
	false_ := metav1.ConditionFalse
	switch {
	case s.noRuntime != "":
		return mlv1alpha1.ModelFailed, false_, ReasonNoServingRuntime, s.noRuntime
	case s.source.Final:
		return mlv1alpha1.ModelFailed, false_, s.source.Reason, s.source.Message
	case !s.source.resolved():
		return mlv1alpha1.ModelPending, false_, ReasonSourceNotResolved, s.source.Message
	case s.nameTaken != nil:
		return mlv1alpha1.ModelFailed, false_, ReasonNameTaken, s.nameTaken.Error()
	case desiredReplicas(m) == 0:
		return mlv1alpha1.ModelStopped, false_, ReasonStopped, "spec.replicas is 0"
	}

	tracks := map[string]int32{DeploymentName(m.Name, TrackStable): s.stable}
	if s.hasCanary() {
		tracks[DeploymentName(m.Name, TrackCanary)] = s.canary
	}
	var waiting []string
	var slotMessage, problemReason, problem string
	exists := false
	for name, want := range tracks {
		set, ok := s.sets[name]
		if ok || s.changed[name] == workload.SetCreated {
			exists = true
		}
		if ok && set.Failed {
			return mlv1alpha1.ModelFailed, false_, set.Reason, fmt.Sprintf("Deployment %s: %s", name, set.Message)
		}
		if want == 0 {
			continue
		}
		// The Deployment's own availability decides: while it scales or
		// rolls out, its old pods keep serving.
		if !ok || !set.Observed || !set.Available || set.ReadyReplicas == 0 {
			have := int32(0)
			if ok {
				have = set.AvailableReplicas
			}
			waiting = append(waiting, fmt.Sprintf("%s (%d of %d available)", name, have, want))
			switch {
			case ok && set.Reason == workload.ReasonWaitingForProcessSlot:
				slotMessage = set.Message
			case ok && set.Reason != "":
				// Why its pods do not become ready: a crash loop, an
				// image that cannot be pulled.
				problemReason, problem = set.Reason, fmt.Sprintf("Deployment %s: %s: %s", name, set.Reason, set.Message)
			}
		}
	}
	if !exists {
		return mlv1alpha1.ModelPending, false_, ReasonLoading, "Creating the Deployments"
	}
	if len(waiting) > 0 {
		slices.Sort(waiting)
		msg := "Waiting for Deployment " + strings.Join(waiting, ", ")
		if problem != "" {
			return mlv1alpha1.ModelLoading, false_, problemReason, msg + "; " + problem
		}
		if slotMessage != "" {
			return mlv1alpha1.ModelLoading, false_, ReasonWaitingForProcessSlot, msg + "; pods are " + slotMessage
		}
		return mlv1alpha1.ModelLoading, false_, ReasonLoading, msg
	}
	msg := fmt.Sprintf("Serving at %s with %d replicas", s.url, s.stable)
	if s.hasCanary() {
		msg = fmt.Sprintf("Serving at %s with %d stable and %d canary replicas", s.url, s.stable, s.canary)
	}
	return mlv1alpha1.ModelReady, metav1.ConditionTrue, ReasonAvailable, msg
}

// setCondition sets a condition of the model, for its current
// generation. The transition time moves only when the status changes.
func (s *syncState) setCondition(condType string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&s.model.Status.Conditions, metav1.Condition{
		Type:               condType,
		Status:             status,
		Reason:             reason,
		Message:            message,
		ObservedGeneration: s.model.Generation,
		LastTransitionTime: s.now,
	})
}
