package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +genclient:method=GetScale,verb=get,subresource=scale,result=k8s.io/api/autoscaling/v1.Scale
// +genclient:method=UpdateScale,verb=update,subresource=scale,input=k8s.io/api/autoscaling/v1.Scale,result=k8s.io/api/autoscaling/v1.Scale
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Model serves a trained model over HTTP.
type Model struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired serving setup.
	Spec ModelSpec `json:"spec,omitempty"`
	// Status is the observed state of serving.
	// +optional
	Status ModelStatus `json:"status,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ModelList is a list of Models.
type ModelList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the Models.
	Items []Model `json:"items"`
}

// ModelSource says where a model's files are: one of uri, trainingJobRef
// and artifact is set.
type ModelSource struct {
	// URI of the model files: s3://bucket/key, https://host/path,
	// pvc://claim/path, or file:///path (standalone mode only).
	// +optional
	URI string `json:"uri,omitempty"`
	// TrainingJobRef names a TrainingJob in the same namespace whose output is served.
	// +optional
	TrainingJobRef *LocalObjectReference `json:"trainingJobRef,omitempty"`
	// Artifact names an artifact that a TrainingJob or a PipelineRun task
	// of the namespace produced (see docs/artifacts.md).
	// +optional
	Artifact *ModelArtifactSource `json:"artifact,omitempty"`
}

// ModelArtifactSource names a produced artifact: one of fromTrainingJob
// or fromPipelineRun (with task) is set.
type ModelArtifactSource struct {
	// FromTrainingJob names the TrainingJob that produced the artifact.
	// +optional
	FromTrainingJob string `json:"fromTrainingJob,omitempty"`
	// FromPipelineRun names the PipelineRun one of whose tasks produced
	// the artifact.
	// +optional
	FromPipelineRun string `json:"fromPipelineRun,omitempty"`
	// Task is the PipelineRun's task that produced the artifact.
	// +optional
	Task string `json:"task,omitempty"`
	// Name of the artifact among the producer's outputs.artifacts.
	Name string `json:"name"`
}

// ModelRuntime is the server container that loads and serves the model.
type ModelRuntime struct {
	// Image of the model server.
	// +optional
	Image string `json:"image,omitempty"`
	// Command is the entrypoint.
	// +optional
	// +listType=atomic
	Command []string `json:"command,omitempty"`
	// Args are the arguments to the entrypoint.
	// +optional
	// +listType=atomic
	Args []string `json:"args,omitempty"`
	// Env sets environment variables in the container.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	Env []corev1.EnvVar `json:"env,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
	// Port the server listens on (default 8080).
	// +optional
	Port int32 `json:"port,omitempty"`
	// ReadinessProbe of the server; a TCP probe on its port when unset.
	// +optional
	ReadinessProbe *corev1.Probe `json:"readinessProbe,omitempty"`
}

// CanarySpec runs a second version of the model behind the same Service.
type CanarySpec struct {
	// Source of the canary's model files.
	Source ModelSource `json:"source"`
	// TrafficPercent is the share of replicas (and so of traffic) the canary gets, 0 to 100.
	TrafficPercent int32 `json:"trafficPercent"`
}

// ModelSpec is the desired state of a Model.
type ModelSpec struct {
	// Source of the model files.
	Source ModelSource `json:"source"`
	// Format of the model, such as pytorch, onnx, sklearn or custom.
	// +optional
	Format string `json:"format,omitempty"`
	// FormatVersion is the version of the format, matched against the
	// versions a serving runtime supports.
	// +optional
	FormatVersion string `json:"formatVersion,omitempty"`
	// RuntimeRef names the serving runtime explicitly. When unset and
	// format is set, admission picks the runtime that supports the format
	// and records it here.
	// +optional
	RuntimeRef *ServingRuntimeRef `json:"runtimeRef,omitempty"`
	// Runtime is the server container: the serving runtime's container
	// with these fields over it, resolved at admission.
	// +optional
	Runtime ModelRuntime `json:"runtime"`
	// Replicas is the number of server pods (default 1).
	// +optional
	Replicas *int32 `json:"replicas,omitempty"`
	// Canary runs a second version behind the same Service.
	// +optional
	Canary *CanarySpec `json:"canary,omitempty"`
	// Resources of one server replica.
	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`

	PodOptions `json:",inline"`
}

// ModelPhase is a one-word summary of a Model.
type ModelPhase string

// The phases of a Model.
const (
	ModelPending ModelPhase = "Pending"
	ModelLoading ModelPhase = "Loading"
	ModelReady   ModelPhase = "Ready"
	ModelFailed  ModelPhase = "Failed"
	ModelStopped ModelPhase = "Stopped"
)

// ModelStatus is the observed state of a Model.
type ModelStatus struct {
	// Phase is Pending, Loading, Ready, Failed or Stopped.
	// +optional
	Phase ModelPhase `json:"phase,omitempty"`
	// ObservedGeneration is the generation the status was computed for.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Conditions of the model (Ready, SourceResolved).
	// +optional
	// +listType=map
	// +listMapKey=type
	// +patchMergeKey=type
	// +patchStrategy=merge
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
	// URL the model is served at.
	// +optional
	URL string `json:"url,omitempty"`
	// ModelURI is the resolved location of the model files.
	// +optional
	ModelURI string `json:"modelURI,omitempty"`
	// Source is what the stable version serves: the URI, and for an
	// artifact its digest and producer.
	// +optional
	Source *ModelSourceStatus `json:"source,omitempty"`
	// Replicas is the number of server pods.
	// +optional
	Replicas int32 `json:"replicas,omitempty"`
	// ReadyReplicas is the number of ready server pods.
	// +optional
	ReadyReplicas int32 `json:"readyReplicas,omitempty"`
	// CanaryReplicas is the number of canary pods.
	// +optional
	CanaryReplicas int32 `json:"canaryReplicas,omitempty"`
	// Selector is the label selector of the server pods, for the scale subresource.
	// +optional
	Selector string `json:"selector,omitempty"`
	// Runtime is the serving runtime the Model is served by.
	// +optional
	Runtime *ServingRuntimeRef `json:"runtime,omitempty"`
}

// ModelSourceStatus is the resolved source of a Model.
type ModelSourceStatus struct {
	// URI of the model files.
	URI string `json:"uri"`
	// Artifact is the name of the artifact served, for an artifact source.
	// +optional
	Artifact string `json:"artifact,omitempty"`
	// Digest is the artifact's "sha256:<hex>".
	// +optional
	Digest string `json:"digest,omitempty"`
	// Producer is the TrainingJob or PipelineRun task that produced it.
	// +optional
	Producer *ArtifactProducer `json:"producer,omitempty"`
}
