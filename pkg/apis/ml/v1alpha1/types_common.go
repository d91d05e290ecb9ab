package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
)

// PodMetadata is the metadata added to every pod made for an object.
type PodMetadata struct {
	// Labels are added to the pods' labels.
	// +optional
	Labels map[string]string `json:"labels,omitempty" protobuf:"bytes,1,rep,name=labels"`
	// Annotations are added to the pods' annotations.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty" protobuf:"bytes,2,rep,name=annotations"`
}

// PodOptions holds the pod-level fields a user needs to run real work: where
// the pods run, with which identity, and which volumes they mount.
type PodOptions struct {
	// PodMetadata is merged into the metadata of every pod.
	// +optional
	PodMetadata *PodMetadata `json:"podMetadata,omitempty" protobuf:"bytes,1,opt,name=podMetadata"`
	// ServiceAccountName is the service account the pods run as.
	// +optional
	ServiceAccountName string `json:"serviceAccountName,omitempty" protobuf:"bytes,2,opt,name=serviceAccountName"`
	// NodeSelector must match a node's labels for the pods to be scheduled there.
	// +optional
	NodeSelector map[string]string `json:"nodeSelector,omitempty" protobuf:"bytes,3,rep,name=nodeSelector"`
	// Tolerations of the pods.
	// +optional
	// +listType=atomic
	Tolerations []corev1.Toleration `json:"tolerations,omitempty" protobuf:"bytes,4,rep,name=tolerations"`
	// Volumes the pods can mount, for example datasets on PersistentVolumeClaims.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	Volumes []corev1.Volume `json:"volumes,omitempty" patchStrategy:"merge" patchMergeKey:"name" protobuf:"bytes,5,rep,name=volumes"`
	// VolumeMounts of the main container.
	// +optional
	// +listType=map
	// +listMapKey=mountPath
	// +patchMergeKey=mountPath
	// +patchStrategy=merge
	VolumeMounts []corev1.VolumeMount `json:"volumeMounts,omitempty" patchStrategy:"merge" patchMergeKey:"mountPath" protobuf:"bytes,6,rep,name=volumeMounts"`
	// ImagePullSecrets used to pull the images.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	ImagePullSecrets []corev1.LocalObjectReference `json:"imagePullSecrets,omitempty" patchStrategy:"merge" patchMergeKey:"name" protobuf:"bytes,7,rep,name=imagePullSecrets"`
	// SecurityContext of the main container.
	// +optional
	SecurityContext *corev1.SecurityContext `json:"securityContext,omitempty" protobuf:"bytes,8,opt,name=securityContext"`
	// PodSecurityContext of the pods.
	// +optional
	PodSecurityContext *corev1.PodSecurityContext `json:"podSecurityContext,omitempty" protobuf:"bytes,9,opt,name=podSecurityContext"`
}

// ContainerSpec is what runs in the main container of each pod.
type ContainerSpec struct {
	// Image is the container image. The local process runtime of standalone
	// mode ignores it and runs command and args on the host.
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
	// Resources are the compute resources of one replica.
	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitempty" protobuf:"bytes,5,opt,name=resources"`
}

// LocalObjectReference names an object in the same namespace.
type LocalObjectReference struct {
	// Name of the referenced object.
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
}

// MetricValue is the latest value of one metric series.
type MetricValue struct {
	// Name of the metric, for example "loss".
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
	// Value is the last reported value.
	Value float64 `json:"value" protobuf:"fixed64,2,opt,name=value"`
	// Step is the step (epoch, iteration) the value was reported at.
	// +optional
	Step int64 `json:"step,omitempty" protobuf:"varint,3,opt,name=step"`
}

// Duration is a length of time as Go's time.ParseDuration reads it, such as
// "90s", "5m" or "1h30m". It is stored as written, so re-applying a manifest
// never shows a change.
type Duration string
