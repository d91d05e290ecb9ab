package ml

import (
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Notebook is an interactive workspace with a persistent volume.
type Notebook struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired workspace.
	Spec NotebookSpec `json:"spec,omitempty"`
	// Status is the observed state of the workspace.
	// +optional
	Status NotebookStatus `json:"status,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// NotebookList is a list of Notebooks.
type NotebookList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the Notebooks.
	Items []Notebook `json:"items"`
}

// WorkspaceSpec is the persistent volume of a notebook.
type WorkspaceSpec struct {
	// Size of the volume (default 10Gi).
	// +optional
	Size *resource.Quantity `json:"size,omitempty"`
	// StorageClassName of the volume; empty uses the cluster default.
	// +optional
	StorageClassName *string `json:"storageClassName,omitempty"`
	// MountPath of the volume in the container (default /home/jovyan).
	// +optional
	MountPath string `json:"mountPath,omitempty"`
}

// NotebookSpec is the desired state of a Notebook.
type NotebookSpec struct {
	ContainerSpec `json:",inline"`
	PodOptions    `json:",inline"`

	// Replicas is 1 (running, default) or 0 (stopped); the scale subresource
	// sets it. The notebook runs only when replicas is 1 and stopped is false.
	// +optional
	Replicas *int32 `json:"replicas,omitempty"`
	// Stopped stops the notebook while true, keeping its workspace.
	// +optional
	Stopped bool `json:"stopped,omitempty"`
	// Port the notebook server listens on (default 8888).
	// +optional
	Port int32 `json:"port,omitempty"`
	// Workspace is the persistent volume; it survives stops and is deleted
	// with the notebook. Every notebook has one (default 10Gi at /home/jovyan).
	// +optional
	Workspace *WorkspaceSpec `json:"workspace,omitempty"`
	// IdleTimeout stops the notebook after that long without kernel activity.
	// +optional
	IdleTimeout Duration `json:"idleTimeout,omitempty"`
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
	Phase NotebookPhase `json:"phase,omitempty"`
	// ObservedGeneration is the generation the status was computed for.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Conditions of the notebook (Ready).
	// +optional
	// +listType=map
	// +listMapKey=type
	// +patchMergeKey=type
	// +patchStrategy=merge
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
	// URL the notebook is reachable at.
	// +optional
	URL string `json:"url,omitempty"`
	// LastActivityTime is the last kernel activity seen.
	// +optional
	LastActivityTime *metav1.Time `json:"lastActivityTime,omitempty"`
	// Replicas is the number of notebook pods.
	// +optional
	Replicas int32 `json:"replicas,omitempty"`
	// ReadyReplicas is the number of ready notebook pods.
	// +optional
	ReadyReplicas int32 `json:"readyReplicas,omitempty"`
	// Selector is the label selector of the notebook pod, for the scale subresource.
	// +optional
	Selector string `json:"selector,omitempty"`
}
