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
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec is the desired serving setup.
	Spec ModelSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status is the observed state of serving.
	// +optional
	Status ModelStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ModelList is a list of Models.
type ModelList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Items are the Models.
	Items []Model `json:"items" protobuf:"bytes,2,rep,name=items"`
}

// ModelSource says where a model's files are: one of uri, trainingJobRef
// and artifact is set.
type ModelSource struct {
	// URI of the model files: s3://bucket/key, https://host/path,
	// pvc://claim/path, or file:///path (standalone mode only).
	// +optional
	URI string `json:"uri,omitempty" protobuf:"bytes,1,opt,name=uri"`
	// TrainingJobRef names a TrainingJob in the same namespace whose output is served.
	// +optional
	TrainingJobRef *LocalObjectReference `json:"trainingJobRef,omitempty" protobuf:"bytes,2,opt,name=trainingJobRef"`
	// Artifact names an artifact that a TrainingJob or a PipelineRun task
	// of the namespace produced (see docs/artifacts.md).
	// +optional
	Artifact *ModelArtifactSource `json:"artifact,omitempty" protobuf:"bytes,3,opt,name=artifact"`
}

// ModelArtifactSource names a produced artifact: one of fromTrainingJob
// or fromPipelineRun (with task) is set.
type ModelArtifactSource struct {
	// FromTrainingJob names the TrainingJob that produced the artifact.
	// +optional
	FromTrainingJob string `json:"fromTrainingJob,omitempty" protobuf:"bytes,1,opt,name=fromTrainingJob"`
	// FromPipelineRun names the PipelineRun one of whose tasks produced
	// the artifact.
	// +optional
	FromPipelineRun string `json:"fromPipelineRun,omitempty" protobuf:"bytes,2,opt,name=fromPipelineRun"`
	// Task is the PipelineRun's task that produced the artifact.
	// +optional
	Task string `json:"task,omitempty" protobuf:"bytes,3,opt,name=task"`
	// Name of the artifact among the producer's outputs.artifacts.
	Name string `json:"name" protobuf:"bytes,4,opt,name=name"`
}

// ModelRuntime is the server container that loads and serves the model.
type ModelRuntime struct {
	// Image of the model server.
	// +optional
	Image string `json:"image,omitempty" protobuf:"bytes,1,opt,name=image"`
	// Command is the entrypoint.
	// +optional
	// +listType=atomic
	Command []string `json:"command,omitempty" protobuf:"bytes,2,rep,name=command"`
	// Args are the arguments to the entrypoint.
	// +optional
	// +listType=atomic
	Args []string `json:"args,omitempty" protobuf:"bytes,3,rep,name=args"`
	// Env sets environment variables in the container.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	Env []corev1.EnvVar `json:"env,omitempty" patchStrategy:"merge" patchMergeKey:"name" protobuf:"bytes,4,rep,name=env"`
	// Port the server listens on (default 8080).
	// +optional
	Port int32 `json:"port,omitempty" protobuf:"varint,5,opt,name=port"`
	// ReadinessProbe of the server; a TCP probe on its port when unset.
	// +optional
	ReadinessProbe *corev1.Probe `json:"readinessProbe,omitempty" protobuf:"bytes,6,opt,name=readinessProbe"`
}

// CanarySpec runs a second version of the model behind the same Service.
type CanarySpec struct {
	// Source of the canary's model files.
	Source ModelSource `json:"source" protobuf:"bytes,1,opt,name=source"`
	// TrafficPercent is the share of replicas (and so of traffic) the canary gets, 0 to 100.
	TrafficPercent int32 `json:"trafficPercent" protobuf:"varint,2,opt,name=trafficPercent"`
}

// ModelSpec is the desired state of a Model.
type ModelSpec struct {
	// Source of the model files.
	Source ModelSource `json:"source" protobuf:"bytes,1,opt,name=source"`
	// Format of the model, such as pytorch, onnx, sklearn or custom.
	// +optional
	Format string `json:"format,omitempty" protobuf:"bytes,2,opt,name=format"`
	// FormatVersion is the version of the format, matched against the
	// versions a serving runtime supports.
	// +optional
	FormatVersion string `json:"formatVersion,omitempty" protobuf:"bytes,3,opt,name=formatVersion"`
	// RuntimeRef names the serving runtime explicitly. When unset and
	// format is set, admission picks the runtime that supports the format
	// and records it here.
	// +optional
	RuntimeRef *ServingRuntimeRef `json:"runtimeRef,omitempty" protobuf:"bytes,4,opt,name=runtimeRef"`
	// Runtime is the server container: the serving runtime's container
	// with these fields over it, resolved at admission.
	// +optional
	Runtime ModelRuntime `json:"runtime" protobuf:"bytes,5,opt,name=runtime"`
	// Replicas is the number of server pods (default 1).
	// +optional
	Replicas *int32 `json:"replicas,omitempty" protobuf:"varint,6,opt,name=replicas"`
	// Canary runs a second version behind the same Service.
	// +optional
	Canary *CanarySpec `json:"canary,omitempty" protobuf:"bytes,7,opt,name=canary"`
	// Resources of one server replica.
	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitempty" protobuf:"bytes,8,opt,name=resources"`

	PodOptions `json:",inline" protobuf:"bytes,9,opt,name=podOptions"`
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
	Phase ModelPhase `json:"phase,omitempty" protobuf:"bytes,1,opt,name=phase,casttype=ModelPhase"`
	// ObservedGeneration is the generation the status was computed for.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty" protobuf:"varint,2,opt,name=observedGeneration"`
	// Conditions of the model (Ready, SourceResolved).
	// +optional
	// +listType=map
	// +listMapKey=type
	// +patchMergeKey=type
	// +patchStrategy=merge
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type" protobuf:"bytes,3,rep,name=conditions"`
	// URL the model is served at.
	// +optional
	URL string `json:"url,omitempty" protobuf:"bytes,4,opt,name=url"`
	// ModelURI is the resolved location of the model files.
	// +optional
	ModelURI string `json:"modelURI,omitempty" protobuf:"bytes,5,opt,name=modelURI"`
	// Source is what the stable version serves: the URI, and for an
	// artifact its digest and producer.
	// +optional
	Source *ModelSourceStatus `json:"source,omitempty" protobuf:"bytes,6,opt,name=source"`
	// Replicas is the number of server pods.
	// +optional
	Replicas int32 `json:"replicas,omitempty" protobuf:"varint,7,opt,name=replicas"`
	// ReadyReplicas is the number of ready server pods.
	// +optional
	ReadyReplicas int32 `json:"readyReplicas,omitempty" protobuf:"varint,8,opt,name=readyReplicas"`
	// CanaryReplicas is the number of canary pods.
	// +optional
	CanaryReplicas int32 `json:"canaryReplicas,omitempty" protobuf:"varint,9,opt,name=canaryReplicas"`
	// Selector is the label selector of the server pods, for the scale subresource.
	// +optional
	Selector string `json:"selector,omitempty" protobuf:"bytes,10,opt,name=selector"`
	// Runtime is the serving runtime the Model is served by.
	// +optional
	Runtime *ServingRuntimeRef `json:"runtime,omitempty" protobuf:"bytes,11,opt,name=runtime"`
}

// ModelSourceStatus is the resolved source of a Model.
type ModelSourceStatus struct {
	// URI of the model files.
	URI string `json:"uri" protobuf:"bytes,1,opt,name=uri"`
	// Artifact is the name of the artifact served, for an artifact source.
	// +optional
	Artifact string `json:"artifact,omitempty" protobuf:"bytes,2,opt,name=artifact"`
	// Digest is the artifact's "sha256:<hex>".
	// +optional
	Digest string `json:"digest,omitempty" protobuf:"bytes,3,opt,name=digest"`
	// Producer is the TrainingJob or PipelineRun task that produced it.
	// +optional
	Producer *ArtifactProducer `json:"producer,omitempty" protobuf:"bytes,4,opt,name=producer"`
}
