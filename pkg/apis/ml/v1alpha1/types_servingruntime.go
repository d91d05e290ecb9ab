package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +genclient:nonNamespaced
// +genclient:noStatus
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ClusterServingRuntime is a model server the platform team offers to every
// namespace. A Model names it in spec.runtimeRef, or gets it by its format.
type ClusterServingRuntime struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec is the server template.
	Spec ServingRuntimeSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ClusterServingRuntimeList is a list of ClusterServingRuntimes.
type ClusterServingRuntimeList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Items are the ClusterServingRuntimes.
	Items []ClusterServingRuntime `json:"items" protobuf:"bytes,2,rep,name=items"`
}

// +genclient
// +genclient:noStatus
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ServingRuntime is a model server of one namespace.
type ServingRuntime struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec is the server template.
	Spec ServingRuntimeSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ServingRuntimeList is a list of ServingRuntimes.
type ServingRuntimeList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Items are the ServingRuntimes.
	Items []ServingRuntime `json:"items" protobuf:"bytes,2,rep,name=items"`
}

// ServingRuntimeSpec is the server a runtime gives the Models that use it.
type ServingRuntimeSpec struct {
	// SupportedModelFormats are the formats the server loads.
	// +optional
	// +listType=atomic
	SupportedModelFormats []SupportedModelFormat `json:"supportedModelFormats,omitempty" protobuf:"bytes,1,rep,name=supportedModelFormats"`
	// Protocol the server speaks, such as v2 or openai.
	// +optional
	Protocol string `json:"protocol,omitempty" protobuf:"bytes,2,opt,name=protocol"`
	// Disabled runtimes are never selected by format.
	// +optional
	Disabled bool `json:"disabled,omitempty" protobuf:"varint,3,opt,name=disabled"`
	// Container is the server container (readiness probe included). The
	// Model's own spec.runtime fields override it (env by name).
	Container ModelRuntime `json:"container" protobuf:"bytes,4,opt,name=container"`
	// Resources of one server replica, unless the Model says.
	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitempty" protobuf:"bytes,5,opt,name=resources"`
}

// SupportedModelFormat is one model format a serving runtime loads.
type SupportedModelFormat struct {
	// Name of the format, such as sklearn, xgboost or onnx.
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
	// Version of the format; empty matches a Model of any version.
	// +optional
	Version string `json:"version,omitempty" protobuf:"bytes,2,opt,name=version"`
	// AutoSelect lets a Model that names only its format get this runtime.
	// +optional
	AutoSelect bool `json:"autoSelect,omitempty" protobuf:"varint,3,opt,name=autoSelect"`
	// Priority among the runtimes that support the format: the highest wins.
	// +optional
	Priority int32 `json:"priority,omitempty" protobuf:"varint,4,opt,name=priority"`
}

// ServingRuntimeKind names the kind of a serving runtime reference.
type ServingRuntimeKind string

// The kinds a Model's runtimeRef may name.
const (
	ClusterServingRuntimeKind ServingRuntimeKind = "ClusterServingRuntime"
	ServingRuntimeKindName    ServingRuntimeKind = "ServingRuntime"
)

// ServingRuntimeRef names the serving runtime a Model is served by.
type ServingRuntimeRef struct {
	// Kind is ClusterServingRuntime (default) or ServingRuntime (of the
	// Model's namespace).
	// +optional
	Kind ServingRuntimeKind `json:"kind,omitempty" protobuf:"bytes,1,opt,name=kind,casttype=ServingRuntimeKind"`
	// Name of the runtime.
	Name string `json:"name" protobuf:"bytes,2,opt,name=name"`
}
