package ml

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// PodMetadata is the metadata added to every pod made for an object.
type PodMetadata struct {
	// Labels are added to the pods' labels.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
	// Annotations are added to the pods' annotations.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
}

// PodOptions holds the pod-level fields a user needs to run real work: where
// the pods run, with which identity, and which volumes they mount.
type PodOptions struct {
	// PodMetadata is merged into the metadata of every pod.
	// +optional
	PodMetadata *PodMetadata `json:"podMetadata,omitempty"`
	// ServiceAccountName is the service account the pods run as.
	// +optional
	ServiceAccountName string `json:"serviceAccountName,omitempty"`
	// NodeSelector must match a node's labels for the pods to be scheduled there.
	// +optional
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`
	// Tolerations of the pods.
	// +optional
	// +listType=atomic
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`
	// Volumes the pods can mount, for example datasets on PersistentVolumeClaims.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	Volumes []corev1.Volume `json:"volumes,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
	// VolumeMounts of the main container.
	// +optional
	// +listType=map
	// +listMapKey=mountPath
	// +patchMergeKey=mountPath
	// +patchStrategy=merge
	VolumeMounts []corev1.VolumeMount `json:"volumeMounts,omitempty" patchStrategy:"merge" patchMergeKey:"mountPath"`
	// ImagePullSecrets used to pull the images.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	ImagePullSecrets []corev1.LocalObjectReference `json:"imagePullSecrets,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
	// SecurityContext of the main container.
	// +optional
	SecurityContext *corev1.SecurityContext `json:"securityContext,omitempty"`
	// PodSecurityContext of the pods.
	// +optional
	PodSecurityContext *corev1.PodSecurityContext `json:"podSecurityContext,omitempty"`
}

// ContainerSpec is what runs in the main container of each pod.
type ContainerSpec struct {
	// Image is the container image. The local process runtime of standalone
	// mode ignores it and runs command and args on the host.
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
	// Resources are the compute resources of one replica.
	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`
}

// LocalObjectReference names an object in the same namespace.
type LocalObjectReference struct {
	// Name of the referenced object.
	Name string `json:"name"`
}

// MetricValue is the latest value of one metric series.
type MetricValue struct {
	// Name of the metric, for example "loss".
	Name string `json:"name"`
	// Value is the last reported value.
	Value float64 `json:"value"`
	// Step is the step (epoch, iteration) the value was reported at.
	// +optional
	Step int64 `json:"step,omitempty"`
}

// Duration is a length of time as Go's time.ParseDuration reads it, such as
// "90s", "5m" or "1h30m". It is stored as written, so re-applying a manifest
// never shows a change.
type Duration string

// Parse returns the length of time d stands for; the empty Duration is zero.
func (d Duration) Parse() (time.Duration, error) {
	if d == "" {
		return 0, nil
	}
	v, err := time.ParseDuration(string(d))
	if err != nil {
		return 0, fmt.Errorf("not a duration such as 90s, 5m or 1h30m: %w", err)
	}
	return v, nil
}
