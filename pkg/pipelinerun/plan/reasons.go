package plan

// Reasons of task states (status.tasks[].reason).
const (
	// ReasonCached: the task is Succeeded with the outputs of a Succeeded
	// task with the same cache key; it did not run.
	ReasonCached = "Cached"
	// ReasonWhenNotMet: a when expression of the task does not hold.
	ReasonWhenNotMet = "WhenNotMet"
	// ReasonUpstreamSkipped: the task needs outputs of a skipped task.
	ReasonUpstreamSkipped = "UpstreamSkipped"
	// ReasonOutputsUnavailable: a finally task needs outputs of a task
	// that did not succeed.
	ReasonOutputsUnavailable = "OutputsUnavailable"
	// ReasonMissingOutput: the task needs an output its upstream task
	// succeeded without writing.
	ReasonMissingOutput = "MissingOutput"
	// ReasonRetrying: an attempt failed; the next starts after the backoff.
	ReasonRetrying = "Retrying"
	// ReasonRetriesStopped: an attempt failed and the run stopped before
	// the retry.
	ReasonRetriesStopped = "RetriesStopped"
	// ReasonTimedOut: an attempt ran longer than the task's timeout.
	ReasonTimedOut = "TimedOut"
	// ReasonInvalidOutputs: the termination message is not key=value lines.
	ReasonInvalidOutputs = "InvalidOutputs"
	// ReasonOutputsTooLarge: the run's outputs would pass MaxRunOutputBytes.
	ReasonOutputsTooLarge = "OutputsTooLarge"
	// ReasonInvalidForEach: the forEach list is not a JSON list, too long,
	// or makes instance names that clash with other tasks.
	ReasonInvalidForEach = "InvalidForEach"
	// ReasonNoItems: the forEach list is empty; the task has nothing to do.
	ReasonNoItems = "NoItems"
	// ReasonInvalidTask: the task cannot be resolved (an unknown variable).
	ReasonInvalidTask = "InvalidTask"
	// ReasonError: an attempt's pod failed without a reason of its own.
	ReasonError = "Error"
	// ReasonPodLost: an attempt's pod is gone and the run was stopping.
	ReasonPodLost = "PodLost"
	// ReasonRunFailed: the task did not start because the run failed.
	ReasonRunFailed = "RunFailed"
	// ReasonRunCanceled: the task did not start, or was stopped, because
	// the run was canceled.
	ReasonRunCanceled = "RunCanceled"
	// ReasonFailFast: the task was stopped because another failed and the
	// run has failFast.
	ReasonFailFast = "FailFast"
	// ReasonDeadlineExceeded: the run passed spec.activeDeadlineSeconds.
	ReasonDeadlineExceeded = "DeadlineExceeded"
)

// Reasons of the run's state, for its conditions and events.
const (
	// RunReasonPending: no task has started yet.
	RunReasonPending = "Pending"
	// RunReasonRunning: tasks are running or waiting for their turn.
	RunReasonRunning = "TasksRunning"
	// RunReasonSuspended: spec.suspend holds new tasks back.
	RunReasonSuspended = "Suspended"
	// RunReasonStopping: the run failed, was canceled or passed its
	// deadline, and waits for running and finally tasks.
	RunReasonStopping = "Stopping"
	// RunReasonSucceeded: every task succeeded or was skipped.
	RunReasonSucceeded = "Succeeded"
	// RunReasonFailed: a task failed.
	RunReasonFailed = "TaskFailed"
	// RunReasonCanceled: spec.cancel ended the run.
	RunReasonCanceled = "Canceled"
	// RunReasonDeadlineExceeded: the run passed spec.activeDeadlineSeconds.
	RunReasonDeadlineExceeded = "DeadlineExceeded"
	// RunReasonInvalidPipeline: the snapshot cannot run (a dependency
	// cycle, a required parameter without a value).
	RunReasonInvalidPipeline = "InvalidPipeline"
)

// Reasons of events about tasks.
const (
	// EventTaskFailed: a task failed for good.
	EventTaskFailed = "TaskFailed"
	// EventTaskRetrying: an attempt of a task failed and will be retried.
	EventTaskRetrying = "TaskRetrying"
	// EventTaskTimedOut: an attempt ran past the task's timeout.
	EventTaskTimedOut = "TaskTimedOut"
)
