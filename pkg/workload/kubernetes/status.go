package kubernetes

import (
	corev1 "k8s.io/api/core/v1"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// replicaStatus reads a replica's status from its pod. The main container is
// the first one of the spec. Labels are shared with the cache: read only.
func replicaStatus(pod *corev1.Pod) workload.ReplicaStatus {
	s := workload.ReplicaStatus{
		Name:        pod.Name,
		UID:         string(pod.UID),
		Labels:      pod.Labels,
		Phase:       phase(pod.Status.Phase),
		Ready:       podReady(pod),
		Terminating: pod.DeletionTimestamp != nil,
		Reason:      pod.Status.Reason,
		Message:     pod.Status.Message,
		StartTime:   pod.Status.StartTime.DeepCopy(),
	}
	for i := range pod.Status.ContainerStatuses {
		s.Restarts += pod.Status.ContainerStatuses[i].RestartCount
	}
	main := mainContainerStatus(pod)
	switch {
	case main != nil && main.State.Terminated != nil:
		t := main.State.Terminated
		code := t.ExitCode
		s.ExitCode = &code
		s.Signal = t.Signal
		s.FinishTime = t.FinishedAt.DeepCopy()
		if t.Reason != "" {
			s.Reason = t.Reason
		}
		// The push step of pods with artifacts reports what it stored in
		// lines of its own, which are not the container's message.
		message, artifacts := workload.SplitArtifactResults(t.Message)
		if message != "" {
			s.Message = message
		}
		s.TerminationMessage, s.Artifacts = message, artifacts
	case main != nil && main.State.Waiting != nil && isProblem(main.State.Waiting.Reason):
		// The kubelet cannot run the container: an image it cannot
		// pull, a configuration it cannot build, a crash loop.
		w := main.State.Waiting
		s.Reason, s.Message = w.Reason, w.Message
		if t := main.LastTerminationState.Terminated; t != nil {
			s.Message = lastTermination(w.Message, t)
		}
	case s.Phase == workload.PhasePending && s.Reason == "":
		if c := podCondition(pod, corev1.PodScheduled); c != nil && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			s.Reason, s.Message = workload.ReasonUnschedulable, c.Message
		}
	}
	return s
}

// isProblem says whether a waiting container's reason is one a user must
// act on, rather than a step of a start (ContainerCreating,
// PodInitializing).
func isProblem(reason string) bool {
	switch reason {
	case "", "ContainerCreating", "PodInitializing":
		return false
	}
	return true
}

// lastTermination says how a container in a crash loop ended last time,
// after the kubelet's message: "back-off 10s restarting failed container;
// last exit code 1 (Error): loss=nan".
func lastTermination(waiting string, t *corev1.ContainerStateTerminated) string {
	last := workload.ReplicaStatus{ExitCode: &t.ExitCode, Signal: t.Signal, Reason: t.Reason, Message: t.Message}
	msg := "last " + last.Cause()
	if waiting == "" {
		return msg
	}
	return waiting + "; " + msg
}

func podCondition(pod *corev1.Pod, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == t {
			return &pod.Status.Conditions[i]
		}
	}
	return nil
}

func phase(p corev1.PodPhase) workload.Phase {
	switch p {
	case corev1.PodRunning:
		return workload.PhaseRunning
	case corev1.PodSucceeded:
		return workload.PhaseSucceeded
	case corev1.PodFailed:
		return workload.PhaseFailed
	case corev1.PodPending, "":
		return workload.PhasePending
	default:
		return workload.PhaseUnknown
	}
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func mainContainerStatus(pod *corev1.Pod) *corev1.ContainerStatus {
	if len(pod.Spec.Containers) == 0 {
		return nil
	}
	name := pod.Spec.Containers[0].Name
	for i := range pod.Status.ContainerStatuses {
		if pod.Status.ContainerStatuses[i].Name == name {
			return &pod.Status.ContainerStatuses[i]
		}
	}
	return nil
}
