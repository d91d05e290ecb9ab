package v1alpha1

import (
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +genclient:method=GetScale,verb=get,subresource=scale,result=k8s.io/api/autoscaling/v1.Scale
// +genclient:method=UpdateScale,verb=update,subresource=scale,input=k8s.io/api/autoscaling/v1.Scale,result=k8s.io/api/autoscaling/v1.Scale
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Notebook is an interactive workspace with a persistent volume.
type Notebook struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec is the desired workspace.
	Spec NotebookSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status is the observed state of the workspace.
	// +optional
	Status NotebookStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// NotebookList is a list of Notebooks.
type NotebookList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Items are the Notebooks.
	Items []Notebook `json:"items" protobuf:"bytes,2,rep,name=items"`
}

// WorkspaceSpec is the persistent volume of a notebook.
type WorkspaceSpec struct {
	// VolumeSize is the size of the volume (default 10Gi). Its Go name is
	// not Size, which would clash with the Size method of the protobuf
	// encoding; on the wire it is "size".
	// +optional
	VolumeSize *resource.Quantity `json:"size,omitempty" protobuf:"bytes,1,opt,name=size"`
	// StorageClassName of the volume; empty uses the cluster default.
	// +optional
	StorageClassName *string `json:"storageClassName,omitempty" protobuf:"bytes,2,opt,name=storageClassName"`
	// MountPath of the volume in the container (default /home/jovyan).
	// +optional
	MountPath string `json:"mountPath,omitempty" protobuf:"bytes,3,opt,name=mountPath"`
}

// NotebookSpec is the desired state of a Notebook.
type NotebookSpec struct {
	ContainerSpec `json:",inline" protobuf:"bytes,1,opt,name=containerSpec"`
	PodOptions    `json:",inline" protobuf:"bytes,2,opt,name=podOptions"`

	// Replicas is 1 (running, default) or 0 (stopped); the scale subresource
	// sets it. The notebook runs only when replicas is 1 and stopped is false.
	// +optional
	Replicas *int32 `json:"replicas,omitempty" protobuf:"varint,3,opt,name=replicas"`
	// Stopped stops the notebook while true, keeping its workspace.
	// +optional
	Stopped bool `json:"stopped,omitempty" protobuf:"varint,4,opt,name=stopped"`
	// Port the notebook server listens on (default 8888).
	// +optional
	Port int32 `json:"port,omitempty" protobuf:"varint,5,opt,name=port"`
	// Workspace is the persistent volume; it survives stops and is deleted
	// with the notebook. Every notebook has one (default 10Gi at /home/jovyan).
	// +optional
	Workspace *WorkspaceSpec `json:"workspace,omitempty" protobuf:"bytes,6,opt,name=workspace"`
	// IdleTimeout stops the notebook after that long without kernel activity.
	// +optional
	IdleTimeout Duration `json:"idleTimeout,omitempty" protobuf:"bytes,7,opt,name=idleTimeout,casttype=Duration"`
}

// NotebookPhase is a one-word summary of a Notebook.
type NotebookPhase string

// The phases of a Notebook.
const (
	NotebookPending NotebookPhase = "Pending"
	NotebookRunning NotebookPhase = "Running"
	NotebookStopped NotebookPhase = "Stopped"
	NotebookFailed  NotebookPhase = "Failed"
)

// NotebookStatus is the observed state of a Notebook.
type NotebookStatus struct {
	// Phase is Pending, Running, Stopped or Failed.
	// +optional
	Phase NotebookPhase `json:"phase,omitempty" protobuf:"bytes,1,opt,name=phase,casttype=NotebookPhase"`
	// ObservedGeneration is the generation the status was computed for.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty" protobuf:"varint,2,opt,name=observedGeneration"`
	// Conditions of the notebook (Ready).
	// +optional
	// +listType=map
	// +listMapKey=type
	// +patchMergeKey=type
	// +patchStrategy=merge
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type" protobuf:"bytes,3,rep,name=conditions"`
	// URL the notebook is reachable at.
	// +optional
	URL string `json:"url,omitempty" protobuf:"bytes,4,opt,name=url"`
	// LastActivityTime is the last kernel activity seen.
	// +optional
	LastActivityTime *metav1.Time `json:"lastActivityTime,omitempty" protobuf:"bytes,5,opt,name=lastActivityTime"`
	// Replicas is the number of notebook pods.
	// +optional
	Replicas int32 `json:"replicas,omitempty" protobuf:"varint,6,opt,name=replicas"`
	// ReadyReplicas is the number of ready notebook pods.
	// +optional
	ReadyReplicas int32 `json:"readyReplicas,omitempty" protobuf:"varint,7,opt,name=readyReplicas"`
	// Selector is the label selector of the notebook pod, for the scale subresource.
	// +optional
	Selector string `json:"selector,omitempty" protobuf:"bytes,8,opt,name=selector"`
}
