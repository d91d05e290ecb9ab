package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// FrameworkJAX runs JAX's multi-controller distributed training.
const FrameworkJAX Framework = "JAX"

// +genclient
// +genclient:nonNamespaced
// +genclient:noStatus
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ClusterTrainingRuntime is a training template the platform team offers
// to every namespace. TrainingJobs name it in spec.runtimeRef.
type ClusterTrainingRuntime struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec is the template.
	Spec TrainingRuntimeSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ClusterTrainingRuntimeList is a list of ClusterTrainingRuntimes.
type ClusterTrainingRuntimeList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Items are the ClusterTrainingRuntimes.
	Items []ClusterTrainingRuntime `json:"items" protobuf:"bytes,2,rep,name=items"`
}

// +genclient
// +genclient:noStatus
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// TrainingRuntime is a training template of one namespace.
type TrainingRuntime struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec is the template.
	Spec TrainingRuntimeSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// TrainingRuntimeList is a list of TrainingRuntimes.
type TrainingRuntimeList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Items are the TrainingRuntimes.
	Items []TrainingRuntime `json:"items" protobuf:"bytes,2,rep,name=items"`
}

// TrainingRuntimeSpec is the template a runtime gives the jobs that name it.
type TrainingRuntimeSpec struct {
	// Template is merged under the job's own spec at admission: the job's
	// fields win.
	Template TrainingRuntimeTemplate `json:"template" protobuf:"bytes,1,opt,name=template"`
}

// TrainingRuntimeTemplate holds the TrainingJob fields a runtime may set.
type TrainingRuntimeTemplate struct {
	// Framework is PyTorch, TensorFlow, MPI, JAX or Generic.
	// +optional
	Framework Framework `json:"framework,omitempty" protobuf:"bytes,1,opt,name=framework,casttype=Framework"`
	// Replicas is the number of nodes (replicas) of a job.
	// +optional
	Replicas *int32 `json:"replicas,omitempty" protobuf:"varint,2,opt,name=replicas"`
	// NumProcPerNode is the number of processes each replica runs.
	// +optional
	NumProcPerNode *int32 `json:"numProcPerNode,omitempty" protobuf:"varint,3,opt,name=numProcPerNode"`
	// MasterPort is the rendezvous port of replica 0.
	// +optional
	MasterPort *int32 `json:"masterPort,omitempty" protobuf:"varint,4,opt,name=masterPort"`

	// Roles give the replicas roles, each with its own replica count and
	// container overrides: TensorFlow's chief, worker, ps and evaluator,
	// MPI's launcher and worker. The worker role's count is spec.replicas.
	// A job without roles runs spec.replicas identical replicas.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	Roles []ReplicaRole `json:"roles,omitempty" patchStrategy:"merge" patchMergeKey:"name" protobuf:"bytes,7,rep,name=roles"`

	ContainerSpec `json:",inline" protobuf:"bytes,5,opt,name=containerSpec"`
	PodOptions    `json:",inline" protobuf:"bytes,6,opt,name=podOptions"`
}

// TrainingRuntimeKind names the kind of a runtime reference.
type TrainingRuntimeKind string

// The kinds a TrainingJob's runtimeRef may name.
const (
	ClusterTrainingRuntimeKind TrainingRuntimeKind = "ClusterTrainingRuntime"
	TrainingRuntimeKindName    TrainingRuntimeKind = "TrainingRuntime"
)

// TrainingRuntimeRef names the runtime a TrainingJob is made from.
type TrainingRuntimeRef struct {
	// Kind is ClusterTrainingRuntime (default) or TrainingRuntime (of the
	// job's namespace).
	// +optional
	Kind TrainingRuntimeKind `json:"kind,omitempty" protobuf:"bytes,1,opt,name=kind,casttype=TrainingRuntimeKind"`
	// Name of the runtime.
	Name string `json:"name" protobuf:"bytes,2,opt,name=name"`
}
