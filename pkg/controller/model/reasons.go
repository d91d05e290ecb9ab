package model

import "ml.example.io/ml-apiserver/pkg/workload"

// Condition types of a Model.
const (
	// ConditionReady is true while every Deployment of the model that
	// should run is available: the model answers at status.url.
	ConditionReady = "Ready"
	// ConditionSourceResolved is true once the model's files (and the
	// canary's) have a location.
	ConditionSourceResolved = "SourceResolved"
)

// Reasons of conditions, and of the events of the same transitions.
const (
	// ReasonResolved: the source is a URI, or a TrainingJob that
	// succeeded with an outputURI.
	ReasonResolved = "Resolved"
	// ReasonTrainingJobNotFound: the referenced TrainingJob does not
	// exist (yet).
	ReasonTrainingJobNotFound = "TrainingJobNotFound"
	// ReasonTrainingJobNotSucceeded: the referenced TrainingJob has not
	// finished; the model waits for it.
	ReasonTrainingJobNotSucceeded = "TrainingJobNotSucceeded"
	// ReasonTrainingJobFailed: the referenced TrainingJob failed.
	ReasonTrainingJobFailed = "TrainingJobFailed"
	// ReasonNoOutputURI: the referenced TrainingJob succeeded but has no
	// spec.outputURI to load the model from.
	ReasonNoOutputURI = "NoOutputURI"
	// ReasonProducerNotFound: the TrainingJob or PipelineRun that
	// produces the artifact source does not exist (yet).
	ReasonProducerNotFound = "ProducerNotFound"
	// ReasonArtifactNotProduced: the producer has not recorded the
	// artifact: the model waits while it runs, and fails once it ended.
	ReasonArtifactNotProduced = "ArtifactNotProduced"
	// ReasonSourceUnavailable: the source's files cannot be read (missing,
	// no access, no credentials): the condition names the URI and why.
	ReasonSourceUnavailable = "SourceUnavailable"
	// ReasonNoSource: spec.source names nothing.
	ReasonNoSource = "NoSource"

	// ReasonWaitingForProcessSlot: pods wait for the local runtime to run
	// fewer processes (standalone mode's --local-max-processes).
	ReasonWaitingForProcessSlot = workload.ReasonWaitingForProcessSlot
	// ReasonAvailable: the Deployments are available.
	ReasonAvailable = "Available"
	// ReasonLoading: the Deployments exist and their pods are starting.
	ReasonLoading = "Loading"
	// ReasonStopped: spec.replicas is 0.
	ReasonStopped = "Stopped"
	// ReasonSourceNotResolved: nothing runs until the source resolves.
	ReasonSourceNotResolved = "SourceNotResolved"
	// ReasonNameTaken: a Deployment or Service of the model's name
	// belongs to something else.
	ReasonNameTaken = "NameTaken"
)

// Reasons of events about the model's children.
const (
	// EventSuccessfulCreate: a Deployment or the Service was created.
	EventSuccessfulCreate = "SuccessfulCreate"
	// EventFailedCreate: a child could not be created or updated.
	EventFailedCreate = "FailedCreate"
	// EventScaled: the replicas of the Deployments changed.
	EventScaled = "Scaled"
	// EventUpdated: the server template of a Deployment changed.
	EventUpdated = "Updated"
	// EventSuccessfulDelete: the canary Deployment was deleted.
	EventSuccessfulDelete = "SuccessfulDelete"
	// EventReady: the model became ready.
	EventReady = "ModelReady"
)
