package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func init() {
	localSchemeBuilder.Register(addLogTypes)
}

func addLogTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(SchemeGroupVersion, &LogOptions{}, &LogArchiveRequest{})
	return nil
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +k8s:conversion-gen:explicit-from=net/url.Values

// LogOptions are the query parameters of the log subresource of
// TrainingJobs, PipelineRuns, Models and Notebooks
// (GET .../<resource>/<name>/log). Without replica or task every replica
// (or task) is shown, its lines prefixed with [replica-N] or [task-name].
type LogOptions struct {
	metav1.TypeMeta `json:",inline"`

	// Follow keeps the response open and streams new lines until every
	// selected replica or task has ended, or the client goes away.
	// +optional
	Follow bool `json:"follow,omitempty" protobuf:"varint,1,opt,name=follow"`
	// TailLines is how many lines from the end of each log to show.
	// +optional
	TailLines *int64 `json:"tailLines,omitempty" protobuf:"varint,2,opt,name=tailLines"`
	// SinceSeconds shows only lines written in the last that many seconds.
	// +optional
	SinceSeconds *int64 `json:"sinceSeconds,omitempty" protobuf:"varint,3,opt,name=sinceSeconds"`
	// Timestamps starts every line with its RFC3339Nano time.
	// +optional
	Timestamps bool `json:"timestamps,omitempty" protobuf:"varint,4,opt,name=timestamps"`
	// LimitBytes ends the response after that many bytes.
	// +optional
	LimitBytes *int64 `json:"limitBytes,omitempty" protobuf:"varint,5,opt,name=limitBytes"`
	// Replica selects one replica of a TrainingJob, Model or Notebook: its
	// index (for a TrainingJob, its rank) or its pod name.
	// +optional
	Replica string `json:"replica,omitempty" protobuf:"bytes,6,opt,name=replica"`
	// Task selects the tasks of a PipelineRun: a task name (with all its
	// forEach instances) or an instance name <task>-<index>.
	// +optional
	Task string `json:"task,omitempty" protobuf:"bytes,7,opt,name=task"`
	// Attempt selects an attempt of the selected task, 1 for the first;
	// by default the latest.
	// +optional
	Attempt *int64 `json:"attempt,omitempty" protobuf:"varint,8,opt,name=attempt"`
	// Container selects a container of the pods; by default their first.
	// +optional
	Container string `json:"container,omitempty" protobuf:"bytes,9,opt,name=container"`
	// Previous shows the log of the previous run of a restarted container.
	// +optional
	Previous bool `json:"previous,omitempty" protobuf:"varint,10,opt,name=previous"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// LogArchiveRequest asks the server to copy the logs of one pod of an
// object into the log archive, so that they stay readable through the log
// subresource after the pod is gone (POST .../<resource>/<name>/log). The
// server reads the logs itself, with its own identity, and only of a pod
// the object owns. The bundled controller sends it when a pod ends and
// before it deletes one.
type LogArchiveRequest struct {
	metav1.TypeMeta `json:",inline"`

	// PodName is the pod whose logs to archive.
	PodName string `json:"podName" protobuf:"bytes,1,opt,name=podName"`
	// PodUID is the UID of that pod; the request fails if the pod of that
	// name has another UID.
	// +optional
	PodUID string `json:"podUID,omitempty" protobuf:"bytes,2,opt,name=podUID"`

	// Status is what the server archived.
	// +optional
	Status LogArchiveStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// LogArchiveStatus says what was archived.
type LogArchiveStatus struct {
	// Streams are the container logs archived.
	// +optional
	// +listType=atomic
	Streams []ArchivedLogStream `json:"streams,omitempty" protobuf:"bytes,1,rep,name=streams"`
}

// ArchivedLogStream is one container log in the archive.
type ArchivedLogStream struct {
	// Container is the container's name.
	Container string `json:"container" protobuf:"bytes,1,opt,name=container"`
	// Previous is true for the log of the container's previous run.
	// +optional
	Previous bool `json:"previous,omitempty" protobuf:"varint,2,opt,name=previous"`
	// Bytes is the size of the log read from the pod.
	Bytes int64 `json:"bytes" protobuf:"varint,3,opt,name=bytes"`
	// StoredBytes is the size kept: the tail of the log, at most the
	// server's per-log cap.
	StoredBytes int64 `json:"storedBytes" protobuf:"varint,4,opt,name=storedBytes"`
}
