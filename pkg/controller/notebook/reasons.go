package notebook

import "ml.example.io/ml-apiserver/pkg/workload"

// ConditionReady is the condition type that is true while the notebook's
// pod is ready.
const ConditionReady = "Ready"

// Reasons of the Ready condition.
const (
	// ReasonRunning: the pod is ready.
	ReasonRunning = "Running"
	// ReasonStarting: the pod is being created or started.
	ReasonStarting = "Starting"
	// ReasonWaitingForProcessSlot: the pod waits for the local runtime to
	// run fewer processes (standalone mode's --local-max-processes).
	ReasonWaitingForProcessSlot = workload.ReasonWaitingForProcessSlot
	// ReasonWaitingForVolume: the workspace claim is not bound yet.
	ReasonWaitingForVolume = "WaitingForVolume"
	// ReasonStopped: spec.stopped is true or spec.replicas is 0.
	ReasonStopped = "Stopped"
	// ReasonVolumeLost: the workspace claim lost its volume.
	ReasonVolumeLost = "VolumeLost"
	// ReasonNameTaken: a child's name belongs to something else.
	ReasonNameTaken = "NameTaken"
)

// Reasons of events.
const (
	// EventSuccessfulCreate: a child was created.
	EventSuccessfulCreate = "SuccessfulCreate"
	// EventFailedCreate: a child could not be created or updated.
	EventFailedCreate = "FailedCreate"
	// EventStarted: the StatefulSet was scaled to 1.
	EventStarted = "Started"
	// EventStopped: the StatefulSet was scaled to 0.
	EventStopped = "Stopped"
	// EventUpdated: the notebook's pod template changed.
	EventUpdated = "Updated"
	// EventCulled: the notebook was stopped for being idle.
	EventCulled = "Culled"
)
