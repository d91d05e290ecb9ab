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
	if main := mainContainerStatus(pod); main != nil {
		if t := main.State.Terminated; t != nil {
			code := t.ExitCode
			s.ExitCode = &code
			s.FinishTime = t.FinishedAt.DeepCopy()
			if t.Reason != "" {
				s.Reason = t.Reason
			}
			if t.Message != "" {
				s.Message = t.Message
			}
			s.TerminationMessage = t.Message
		}
	}
	return s
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
