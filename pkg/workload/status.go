package workload

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ReplicaStatus is what a runtime observed of one replica.
type ReplicaStatus struct {
	// Name of the replica.
	Name string
	// UID tells a replica from an earlier one of the same name.
	UID string
	// Labels of the replica, as given in its template plus the runtime's.
	Labels map[string]string
	// Phase is Pending, Running, Succeeded, Failed or Unknown.
	Phase Phase
	// Ready is true while the replica passes its readiness checks.
	Ready bool
	// Terminating is true once its deletion was requested.
	Terminating bool
	// ExitCode of the main container, once it terminated.
	ExitCode *int32
	// Signal is the number of the signal that ended the main container,
	// 0 when it exited by itself (or the runtime does not know).
	Signal int32
	// Reason is a one-word reason of the last termination or of the
	// phase, such as Error, OOMKilled, StartError or Evicted, or of what
	// keeps a pending replica from running, such as ImagePullBackOff or
	// Unschedulable.
	Reason string
	// Message is the termination message of the main container (in the
	// local runtime, the last line of its output when it wrote none), the
	// error that kept it from starting, or a message about the phase (the
	// scheduler's, the kubelet's).
	Message string
	// TerminationMessage is the main container's termination message only
	// (what it wrote to its terminationMessagePath, or the tail of its log
	// under FallbackToLogsOnError), empty until it terminated. Pipeline
	// tasks report their outputs in it.
	TerminationMessage string
	// Artifacts are the output artifacts the replica pushed after its
	// main container exited 0 (see ArtifactsAnnotation).
	Artifacts []ArtifactResult
	// Restarts counts restarts of the replica's containers in place.
	Restarts int32
	// StartTime is when the replica started.
	StartTime *metav1.Time
	// FinishTime is when the main container terminated.
	FinishTime *metav1.Time
}

// ReasonWaitingForProcessSlot is the Reason of a Pending replica that a
// runtime holds back because it already runs its maximum of processes
// (the local runtime's --local-max-processes); its Message says so.
const ReasonWaitingForProcessSlot = "WaitingForProcessSlot"

// Finished says whether the replica ran to its end.
func (r *ReplicaStatus) Finished() bool {
	return r.Phase == PhaseSucceeded || r.Phase == PhaseFailed
}
