package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +genclient:method=GetScale,verb=get,subresource=scale,result=k8s.io/api/autoscaling/v1.Scale
// +genclient:method=UpdateScale,verb=update,subresource=scale,input=k8s.io/api/autoscaling/v1.Scale,result=k8s.io/api/autoscaling/v1.Scale
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// TrainingJob runs (distributed) training: one pod per replica.
type TrainingJob struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec is the desired training run.
	Spec TrainingJobSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status is the observed state of the run.
	// +optional
	Status TrainingJobStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// TrainingJobList is a list of TrainingJobs.
type TrainingJobList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Items are the TrainingJobs.
	Items []TrainingJob `json:"items" protobuf:"bytes,2,rep,name=items"`
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
	Collector MetricsCollector `json:"collector,omitempty" protobuf:"bytes,1,opt,name=collector,casttype=MetricsCollector"`
	// Format is a regular expression with two groups (name, value) that
	// overrides the default name=value pattern of the StdOut collector.
	// +optional
	Format string `json:"format,omitempty" protobuf:"bytes,2,opt,name=format"`
}

// ElasticPolicy bounds the replicas of an elastic job.
type ElasticPolicy struct {
	// MinReplicas is the lowest replica count the job may be scaled to.
	// +optional
	MinReplicas *int32 `json:"minReplicas,omitempty" protobuf:"varint,1,opt,name=minReplicas"`
	// MaxReplicas is the highest replica count the job may be scaled to.
	// +optional
	MaxReplicas *int32 `json:"maxReplicas,omitempty" protobuf:"varint,2,opt,name=maxReplicas"`
}

// TrainingJobSpec is the desired state of a TrainingJob.
type TrainingJobSpec struct {
	// Framework is PyTorch, TensorFlow, MPI, JAX or Generic (default).
	// +optional
	Framework Framework `json:"framework,omitempty" protobuf:"bytes,1,opt,name=framework,casttype=Framework"`
	// RuntimeRef names the ClusterTrainingRuntime or TrainingRuntime the job
	// is made from. Admission merges the runtime's template under the job's
	// own fields (the job wins) and writes the result into this spec, so a
	// later change of the runtime never changes the job.
	// +optional
	RuntimeRef *TrainingRuntimeRef `json:"runtimeRef,omitempty" protobuf:"bytes,2,opt,name=runtimeRef"`
	// NumProcPerNode is the number of processes each replica runs (default 1);
	// PyTorch gets it as PET_NPROC_PER_NODE for torchrun.
	// +optional
	NumProcPerNode *int32 `json:"numProcPerNode,omitempty" protobuf:"varint,3,opt,name=numProcPerNode"`
	// Replicas is the number of workers (default 1).
	// +optional
	Replicas *int32 `json:"replicas,omitempty" protobuf:"varint,4,opt,name=replicas"`
	// Elastic allows scaling between minReplicas and maxReplicas while running.
	// +optional
	Elastic *ElasticPolicy `json:"elastic,omitempty" protobuf:"bytes,5,opt,name=elastic"`

	// Roles give the replicas roles, each with its own replica count and
	// container overrides: TensorFlow's chief, worker, ps and evaluator,
	// MPI's launcher and worker. The worker role's count is spec.replicas.
	// A job without roles runs spec.replicas identical replicas.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	Roles []ReplicaRole `json:"roles,omitempty" patchStrategy:"merge" patchMergeKey:"name" protobuf:"bytes,18,rep,name=roles"`

	ContainerSpec `json:",inline" protobuf:"bytes,6,opt,name=containerSpec"`
	PodOptions    `json:",inline" protobuf:"bytes,7,opt,name=podOptions"`

	// MasterPort is the rendezvous port of replica 0 (default 29500).
	// +optional
	MasterPort *int32 `json:"masterPort,omitempty" protobuf:"varint,8,opt,name=masterPort"`
	// BackoffLimit is the number of pod failures tolerated before the job fails (default 3).
	// +optional
	BackoffLimit *int32 `json:"backoffLimit,omitempty" protobuf:"varint,9,opt,name=backoffLimit"`
	// ActiveDeadlineSeconds fails the job when it runs longer.
	// +optional
	ActiveDeadlineSeconds *int64 `json:"activeDeadlineSeconds,omitempty" protobuf:"varint,10,opt,name=activeDeadlineSeconds"`
	// TTLSecondsAfterFinished deletes the job that long after it finished.
	// +optional
	TTLSecondsAfterFinished *int32 `json:"ttlSecondsAfterFinished,omitempty" protobuf:"varint,11,opt,name=ttlSecondsAfterFinished"`
	// Suspend deletes the job's pods while true; clearing it recreates them.
	// +optional
	Suspend bool `json:"suspend,omitempty" protobuf:"varint,12,opt,name=suspend"`
	// CleanPodPolicy says which pods are deleted after the job ends: None,
	// Running (default) or All.
	// +optional
	CleanPodPolicy CleanPodPolicy `json:"cleanPodPolicy,omitempty" protobuf:"bytes,13,opt,name=cleanPodPolicy,casttype=CleanPodPolicy"`
	// Metrics configures metrics collection.
	// +optional
	Metrics *MetricsSpec `json:"metrics,omitempty" protobuf:"bytes,14,opt,name=metrics"`
	// OutputURI is where the job writes its trained model; Models that
	// reference the job load it from there.
	// +optional
	OutputURI string `json:"outputURI,omitempty" protobuf:"bytes,15,opt,name=outputURI"`
	// Artifacts are the artifacts the job writes (the trained model).
	// +optional
	Artifacts *TrainingJobArtifacts `json:"artifacts,omitempty" protobuf:"bytes,16,opt,name=artifacts"`
	// RetainArtifacts keeps the job's artifacts in the store after the job
	// is deleted; by default they are deleted with it.
	// +optional
	RetainArtifacts bool `json:"retainArtifacts,omitempty" protobuf:"varint,17,opt,name=retainArtifacts"`
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
	Phase TrainingJobPhase `json:"phase,omitempty" protobuf:"bytes,1,opt,name=phase,casttype=TrainingJobPhase"`
	// ObservedGeneration is the generation the status was computed for.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty" protobuf:"varint,2,opt,name=observedGeneration"`
	// Conditions of the job (Running, Suspended, Complete, Failed).
	// +optional
	// +listType=map
	// +listMapKey=type
	// +patchMergeKey=type
	// +patchStrategy=merge
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type" protobuf:"bytes,3,rep,name=conditions"`
	// StartTime is when the job started.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty" protobuf:"bytes,4,opt,name=startTime"`
	// CompletionTime is when the job ended.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty" protobuf:"bytes,5,opt,name=completionTime"`
	// Replicas is the number of pods that exist.
	// +optional
	Replicas int32 `json:"replicas,omitempty" protobuf:"varint,6,opt,name=replicas"`
	// ReadyReplicas is the number of ready pods.
	// +optional
	ReadyReplicas int32 `json:"readyReplicas,omitempty" protobuf:"varint,7,opt,name=readyReplicas"`
	// Succeeded is the number of replicas that succeeded.
	// +optional
	Succeeded int32 `json:"succeeded,omitempty" protobuf:"varint,8,opt,name=succeeded"`
	// Failed is the number of pod failures.
	// +optional
	Failed int32 `json:"failed,omitempty" protobuf:"varint,9,opt,name=failed"`
	// Restarts is the number of replaced pods.
	// +optional
	Restarts int32 `json:"restarts,omitempty" protobuf:"varint,10,opt,name=restarts"`
	// LastFailure is the latest failure of a replica: which one, when and
	// why (the start error, exit code, signal, last line of output). The
	// replacement of a failed replica starts after a back-off counted
	// from its time.
	// +optional
	LastFailure *ReplicaFailure `json:"lastFailure,omitempty" protobuf:"bytes,11,opt,name=lastFailure"`
	// Selector is the label selector of the job's pods, for the scale subresource.
	// +optional
	Selector string `json:"selector,omitempty" protobuf:"bytes,12,opt,name=selector"`
	// LatestMetrics are the last values of the job's metric series.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	LatestMetrics []MetricValue `json:"latestMetrics,omitempty" patchStrategy:"merge" patchMergeKey:"name" protobuf:"bytes,13,rep,name=latestMetrics"`
	// Artifacts are the artifacts the job produced.
	// +optional
	Artifacts *ArtifactsStatus `json:"artifacts,omitempty" protobuf:"bytes,14,opt,name=artifacts"`
}

// ReplicaFailure is one failure of a replica of a TrainingJob.
type ReplicaFailure struct {
	// Replica is the name of the pod (or local process) that failed.
	Replica string `json:"replica" protobuf:"bytes,1,opt,name=replica"`
	// Time is when the controller counted the failure (rounded up to the second).
	Time metav1.Time `json:"time" protobuf:"bytes,2,opt,name=time"`
	// Reason is a CamelCase word, such as Error, StartError, OOMKilled or Evicted.
	// +optional
	Reason string `json:"reason,omitempty" protobuf:"bytes,3,opt,name=reason"`
	// ExitCode of the replica's main container, when it ran.
	// +optional
	ExitCode *int32 `json:"exitCode,omitempty" protobuf:"varint,4,opt,name=exitCode"`
	// Message says why the replica failed in one line: exit code, signal,
	// and the start error, termination message or last line of output.
	// +optional
	Message string `json:"message,omitempty" protobuf:"bytes,5,opt,name=message"`
}
