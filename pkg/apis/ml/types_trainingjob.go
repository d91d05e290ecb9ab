package ml

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// TrainingJob runs (distributed) training: one pod per replica.
type TrainingJob struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired training run.
	Spec TrainingJobSpec `json:"spec,omitempty"`
	// Status is the observed state of the run.
	// +optional
	Status TrainingJobStatus `json:"status,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// TrainingJobList is a list of TrainingJobs.
type TrainingJobList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the TrainingJobs.
	Items []TrainingJob `json:"items"`
}

// Framework selects the environment injected for distributed training.
type Framework string

// The frameworks a TrainingJob knows.
const (
	FrameworkPyTorch    Framework = "PyTorch"
	FrameworkTensorFlow Framework = "TensorFlow"
	FrameworkMPI        Framework = "MPI"
	FrameworkGeneric    Framework = "Generic"
)

// CleanPodPolicy says which pods are deleted once a job has finished.
type CleanPodPolicy string

// The clean pod policies.
const (
	CleanPodPolicyNone    CleanPodPolicy = "None"
	CleanPodPolicyRunning CleanPodPolicy = "Running"
	CleanPodPolicyAll     CleanPodPolicy = "All"
)

// MetricsCollector says how a job's metrics are collected.
type MetricsCollector string

// The metrics collectors.
const (
	// MetricsCollectorStdOut parses name=value pairs from the job's log lines.
	MetricsCollectorStdOut MetricsCollector = "StdOut"
	// MetricsCollectorPush lets the job's pods POST points to the metrics subresource.
	MetricsCollectorPush MetricsCollector = "Push"
	// MetricsCollectorNone collects nothing.
	MetricsCollectorNone MetricsCollector = "None"
)

// MetricsSpec configures metrics collection.
type MetricsSpec struct {
	// Collector is StdOut (default), Push or None.
	// +optional
	Collector MetricsCollector `json:"collector,omitempty"`
	// Format is a regular expression with two groups (name, value) that
	// overrides the default name=value pattern of the StdOut collector.
	// +optional
	Format string `json:"format,omitempty"`
}

// ElasticPolicy bounds the replicas of an elastic job.
type ElasticPolicy struct {
	// MinReplicas is the lowest replica count the job may be scaled to.
	// +optional
	MinReplicas *int32 `json:"minReplicas,omitempty"`
	// MaxReplicas is the highest replica count the job may be scaled to.
	// +optional
	MaxReplicas *int32 `json:"maxReplicas,omitempty"`
}

// TrainingJobSpec is the desired state of a TrainingJob.
type TrainingJobSpec struct {
	// Framework is PyTorch, TensorFlow, MPI, JAX or Generic (default).
	// +optional
	Framework Framework `json:"framework,omitempty"`
	// RuntimeRef names the ClusterTrainingRuntime or TrainingRuntime the job
	// is made from. Admission merges the runtime's template under the job's
	// own fields (the job wins) and writes the result into this spec, so a
	// later change of the runtime never changes the job.
	// +optional
	RuntimeRef *TrainingRuntimeRef `json:"runtimeRef,omitempty"`
	// NumProcPerNode is the number of processes each replica runs (default 1);
	// PyTorch gets it as PET_NPROC_PER_NODE for torchrun.
	// +optional
	NumProcPerNode *int32 `json:"numProcPerNode,omitempty"`
	// Replicas is the number of workers (default 1).
	// +optional
	Replicas *int32 `json:"replicas,omitempty"`
	// Elastic allows scaling between minReplicas and maxReplicas while running.
	// +optional
	Elastic *ElasticPolicy `json:"elastic,omitempty"`

	// Roles give the replicas roles, each with its own replica count and
	// container overrides. The worker role's count is spec.replicas.
	Roles []ReplicaRole `json:"roles,omitempty"`

	ContainerSpec `json:",inline"`
	PodOptions    `json:",inline"`

	// MasterPort is the rendezvous port of replica 0 (default 29500).
	// +optional
	MasterPort *int32 `json:"masterPort,omitempty"`
	// BackoffLimit is the number of pod failures tolerated before the job fails (default 3).
	// +optional
	BackoffLimit *int32 `json:"backoffLimit,omitempty"`
	// ActiveDeadlineSeconds fails the job when it runs longer.
	// +optional
	ActiveDeadlineSeconds *int64 `json:"activeDeadlineSeconds,omitempty"`
	// TTLSecondsAfterFinished deletes the job that long after it finished.
	// +optional
	TTLSecondsAfterFinished *int32 `json:"ttlSecondsAfterFinished,omitempty"`
	// Suspend deletes the job's pods while true; clearing it recreates them.
	// +optional
	Suspend bool `json:"suspend,omitempty"`
	// CleanPodPolicy says which pods are deleted after the job ends: None,
	// Running (default) or All.
	// +optional
	CleanPodPolicy CleanPodPolicy `json:"cleanPodPolicy,omitempty"`
	// Metrics configures metrics collection.
	// +optional
	Metrics *MetricsSpec `json:"metrics,omitempty"`
	// OutputURI is where the job writes its trained model; Models that
	// reference the job load it from there.
	// +optional
	OutputURI string `json:"outputURI,omitempty"`
	// Artifacts are the artifacts the job writes (the trained model).
	// +optional
	Artifacts *TrainingJobArtifacts `json:"artifacts,omitempty"`
	// RetainArtifacts keeps the job's artifacts in the store after the job
	// is deleted; by default they are deleted with it.
	// +optional
	RetainArtifacts bool `json:"retainArtifacts,omitempty"`
}

// TrainingJobPhase is a one-word summary of a TrainingJob.
type TrainingJobPhase string

// The phases of a TrainingJob.
const (
	TrainingJobPending   TrainingJobPhase = "Pending"
	TrainingJobRunning   TrainingJobPhase = "Running"
	TrainingJobSucceeded TrainingJobPhase = "Succeeded"
	TrainingJobFailed    TrainingJobPhase = "Failed"
	TrainingJobSuspended TrainingJobPhase = "Suspended"
)

// TrainingJobStatus is the observed state of a TrainingJob.
type TrainingJobStatus struct {
	// Phase is Pending, Running, Succeeded, Failed or Suspended.
	// +optional
	Phase TrainingJobPhase `json:"phase,omitempty"`
	// ObservedGeneration is the generation the status was computed for.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Conditions of the job (Running, Suspended, Complete, Failed).
	// +optional
	// +listType=map
	// +listMapKey=type
	// +patchMergeKey=type
	// +patchStrategy=merge
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
	// StartTime is when the job started.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`
	// CompletionTime is when the job ended.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`
	// Replicas is the number of pods that exist.
	// +optional
	Replicas int32 `json:"replicas,omitempty"`
	// ReadyReplicas is the number of ready pods.
	// +optional
	ReadyReplicas int32 `json:"readyReplicas,omitempty"`
	// Succeeded is the number of replicas that succeeded.
	// +optional
	Succeeded int32 `json:"succeeded,omitempty"`
	// Failed is the number of pod failures.
	// +optional
	Failed int32 `json:"failed,omitempty"`
	// Restarts is the number of replaced pods.
	// +optional
	Restarts int32 `json:"restarts,omitempty"`
	// LastFailure is the latest failure of a replica: which one, when and
	// why. The replacement of a failed replica starts after a back-off
	// counted from its time.
	// +optional
	LastFailure *ReplicaFailure `json:"lastFailure,omitempty"`
	// Selector is the label selector of the job's pods, for the scale subresource.
	// +optional
	Selector string `json:"selector,omitempty"`
	// LatestMetrics are the last values of the job's metric series.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	LatestMetrics []MetricValue `json:"latestMetrics,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
	// Artifacts are the artifacts the job produced.
	// +optional
	Artifacts *ArtifactsStatus `json:"artifacts,omitempty"`
}

// ReplicaFailure is one failure of a replica of a TrainingJob.
type ReplicaFailure struct {
	// Replica is the name of the pod (or local process) that failed.
	Replica string `json:"replica"`
	// Time is when the controller counted the failure (rounded up to the second).
	Time metav1.Time `json:"time"`
	// Reason is a CamelCase word, such as Error, StartError or OOMKilled.
	// +optional
	Reason string `json:"reason,omitempty"`
	// ExitCode of the replica's main container, when it ran.
	// +optional
	ExitCode *int32 `json:"exitCode,omitempty"`
	// Message says why the replica failed in one line.
	// +optional
	Message string `json:"message,omitempty"`
}
