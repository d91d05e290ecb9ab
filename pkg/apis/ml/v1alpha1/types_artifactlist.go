package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func init() {
	localSchemeBuilder.Register(addArtifactListTypes)
}

func addArtifactListTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(SchemeGroupVersion, &ArtifactList{}, &ArtifactOptions{})
	return nil
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ArtifactList is what the artifacts subresource of PipelineRuns and
// TrainingJobs lists (GET .../<resource>/<name>/artifacts): every artifact
// the object produced and consumed, in the order of its tasks.
type ArtifactList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Items are the artifacts.
	Items []ArtifactListItem `json:"items" protobuf:"bytes,2,rep,name=items"`
}

// ArtifactDirection says whether an object produced or consumed an
// artifact.
type ArtifactDirection string

// The directions of an artifact.
const (
	// ArtifactOutput: the object (its task) produced the artifact.
	ArtifactOutput ArtifactDirection = "Output"
	// ArtifactInput: the object (its task) consumed the artifact.
	ArtifactInput ArtifactDirection = "Input"
)

// ArtifactListItem is one artifact an object produced or consumed.
type ArtifactListItem struct {
	// Task is the PipelineRun task that produced or consumed it; empty for
	// a TrainingJob.
	// +optional
	Task string `json:"task,omitempty" protobuf:"bytes,1,opt,name=task"`
	// Direction is Output (produced) or Input (consumed).
	Direction ArtifactDirection `json:"direction" protobuf:"bytes,2,opt,name=direction,casttype=ArtifactDirection"`
	// Path names the artifact in GET .../artifacts/<path>: <task>/<name>
	// for a PipelineRun, <name> for a TrainingJob.
	Path string `json:"path" protobuf:"bytes,3,opt,name=path"`

	ArtifactRecord `json:",inline" protobuf:"bytes,4,opt,name=artifactRecord"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +k8s:conversion-gen:explicit-from=net/url.Values

// ArtifactOptions are the options of the artifacts subresource: without a
// path it lists the object's artifacts; GET .../artifacts/<task>/<name>
// (PipelineRuns) or .../artifacts/<name> (TrainingJobs) streams the
// content of one, an output before an input of the same name.
type ArtifactOptions struct {
	metav1.TypeMeta `json:",inline"`

	// Path is the artifact's path in the list, from the request's path.
	// +optional
	Path string `json:"path,omitempty" protobuf:"bytes,1,opt,name=path"`
}
