package trainingjob

import "ml.example.io/ml-apiserver/pkg/workload"

// Condition types of a TrainingJob.
const (
	// ConditionRunning is true while at least one replica runs (or has
	// succeeded) and the job has not ended.
	ConditionRunning = "Running"
	// ConditionSuspended is true while spec.suspend holds the job; false
	// once it was resumed.
	ConditionSuspended = "Suspended"
	// ConditionComplete is true once every replica succeeded, as a
	// Kubernetes Job's.
	ConditionComplete = "Complete"
	// ConditionSucceeded is true once every replica succeeded, false once
	// the job failed: the condition every kind that finishes has.
	ConditionSucceeded = "Succeeded"
	// ConditionFailed is true once the job failed.
	ConditionFailed = "Failed"
)

// Reasons of conditions, and of the events of the same transitions.
const (
	// ReasonReplicasPending: no replica runs yet.
	ReasonReplicasPending = "ReplicasPending"
	// ReasonWaitingForProcessSlot: no replica runs yet, and some wait for
	// the runtime to run fewer processes (standalone mode's
	// --local-max-processes).
	ReasonWaitingForProcessSlot = workload.ReasonWaitingForProcessSlot
	// ReasonReplicasRunning: replicas run.
	ReasonReplicasRunning = "ReplicasRunning"
	// ReasonSuspended: spec.suspend is true; the pods were deleted.
	ReasonSuspended = "JobSuspended"
	// ReasonResumed: spec.suspend was cleared; the pods are recreated.
	ReasonResumed = "JobResumed"
	// ReasonSucceeded: every replica succeeded.
	ReasonSucceeded = "AllReplicasSucceeded"
	// ReasonBackoffLimitExceeded: more pods failed than spec.backoffLimit.
	ReasonBackoffLimitExceeded = "BackoffLimitExceeded"
	// ReasonBackOff: replicas that failed are replaced once the back-off
	// after the last failure has passed.
	ReasonBackOff = "BackOff"
	// ReasonDeadlineExceeded: the job ran longer than spec.activeDeadlineSeconds.
	ReasonDeadlineExceeded = "DeadlineExceeded"
)

// Reasons of events about the job's children.
const (
	// EventSuccessfulCreate: pods or the Service were created.
	EventSuccessfulCreate = "SuccessfulCreate"
	// EventFailedCreate: a pod or the Service could not be created.
	EventFailedCreate = "FailedCreate"
	// EventSuccessfulDelete: pods were deleted (suspend, scale down,
	// replacement, cleanup).
	EventSuccessfulDelete = "SuccessfulDelete"
	// EventFailedDelete: a pod could not be deleted.
	EventFailedDelete = "FailedDelete"
	// EventPodFailed: a replica's pod failed and was counted.
	EventPodFailed = "PodFailed"
	// EventCompleted: the job succeeded.
	EventCompleted = "Completed"
)
