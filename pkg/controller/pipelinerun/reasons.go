package pipelinerun

// Condition types of a PipelineRun.
const (
	// ConditionRunning is true while the run has tasks to run.
	ConditionRunning = "Running"
	// ConditionSucceeded is true once every task succeeded or was
	// skipped, false once the run ended otherwise.
	ConditionSucceeded = "Succeeded"
	// ConditionFailed is true once the run failed or was canceled.
	ConditionFailed = "Failed"
)

// Reasons of conditions and events that are not the planner's.
const (
	// ReasonSnapshotMissing: the run has no status.pipelineSpec.
	ReasonSnapshotMissing = "SnapshotMissing"
	// ReasonInvalidSnapshot: status.pipelineSpec cannot be read.
	ReasonInvalidSnapshot = "InvalidSnapshot"
	// ReasonCreateRefused: the API refused an attempt's pod (invalid,
	// forbidden by a policy or a quota); the attempt failed.
	ReasonCreateRefused = "CreateRefused"
)

// Reasons of events about the run's pods.
const (
	// EventSuccessfulCreate: pods were created.
	EventSuccessfulCreate = "SuccessfulCreate"
	// EventFailedCreate: a pod could not be created.
	EventFailedCreate = "FailedCreate"
	// EventSuccessfulDelete: pods were deleted.
	EventSuccessfulDelete = "SuccessfulDelete"
	// EventFailedDelete: a pod could not be deleted.
	EventFailedDelete = "FailedDelete"
)
