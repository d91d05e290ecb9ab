package v1alpha1

// ArtifactType says what an artifact holds, for the tools that show it.
type ArtifactType string

// The types an artifact may have.
const (
	// ArtifactTypeDataset is data a task reads or writes: a file or a directory.
	ArtifactTypeDataset ArtifactType = "Dataset"
	// ArtifactTypeModel is a trained model: a file or a directory.
	ArtifactTypeModel ArtifactType = "Model"
	// ArtifactTypeMetrics is a JSON file of metrics.
	ArtifactTypeMetrics ArtifactType = "Metrics"
	// ArtifactTypeMarkdown is a Markdown report.
	ArtifactTypeMarkdown ArtifactType = "Markdown"
	// ArtifactTypeHTML is an HTML report.
	ArtifactTypeHTML ArtifactType = "HTML"
	// ArtifactTypeGeneric is any other file or directory (the default).
	ArtifactTypeGeneric ArtifactType = "Generic"
)

// ArtifactsRoot is the directory under which artifacts appear to the user
// code: on a cluster an emptyDir is mounted there; the local runtime of
// standalone mode maps it into the replica's working directory and names
// the real paths in ML_ARTIFACT_INPUT_<NAME> and ML_ARTIFACT_OUTPUT_<NAME>.
const ArtifactsRoot = "/ml/artifacts"

// OutputArtifact declares a file or directory the user code writes, which
// the runtime uploads to the artifact store after the code exits 0.
type OutputArtifact struct {
	// Name of the artifact, a DNS label unique among the outputs.
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
	// Type is Dataset, Model, Metrics, Markdown, HTML or Generic (default).
	// +optional
	Type ArtifactType `json:"type,omitempty" protobuf:"bytes,2,opt,name=type,casttype=ArtifactType"`
	// Path is where the user code writes the artifact, a file or a
	// directory: an absolute path under /ml/artifacts (default
	// /ml/artifacts/out/<name>). The environment variable
	// ML_ARTIFACT_OUTPUT_<NAME> (the name upper-cased, '-' as '_') holds
	// the path the code must write.
	// +optional
	Path string `json:"path,omitempty" protobuf:"bytes,3,opt,name=path"`
}

// InputArtifact declares an artifact the runtime downloads before the user
// code starts. Exactly one of from and uri is set.
type InputArtifact struct {
	// Name of the input, a DNS label unique among the inputs.
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
	// From is an output artifact of an earlier task of the same run:
	// $(tasks.<task>.outputs.artifacts.<artifact>). It makes the task
	// depend on that task.
	// +optional
	From string `json:"from,omitempty" protobuf:"bytes,2,opt,name=from"`
	// URI is an object of the namespace's artifact store, as its URI reads
	// in a status (file:// or s3://).
	// +optional
	URI string `json:"uri,omitempty" protobuf:"bytes,3,opt,name=uri"`
	// Path is where the artifact appears, a file or a directory as it was
	// written: an absolute path under /ml/artifacts (default
	// /ml/artifacts/in/<name>). The environment variable
	// ML_ARTIFACT_INPUT_<NAME> holds the path to read.
	// +optional
	Path string `json:"path,omitempty" protobuf:"bytes,4,opt,name=path"`
}

// TaskArtifacts are the artifacts a pipeline task reads and writes.
type TaskArtifacts struct {
	// Inputs are downloaded before the task's code starts.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	Inputs []InputArtifact `json:"inputs,omitempty" patchStrategy:"merge" patchMergeKey:"name" protobuf:"bytes,1,rep,name=inputs"`
	// Outputs are uploaded after the task's code exits 0.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	Outputs []OutputArtifact `json:"outputs,omitempty" patchStrategy:"merge" patchMergeKey:"name" protobuf:"bytes,2,rep,name=outputs"`
}

// TrainingJobArtifacts are the artifacts a TrainingJob writes.
type TrainingJobArtifacts struct {
	// Outputs are written by replica 0 (the chief or master) and uploaded
	// after it exits 0; Models serve them by name.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	Outputs []OutputArtifact `json:"outputs,omitempty" patchStrategy:"merge" patchMergeKey:"name" protobuf:"bytes,1,rep,name=outputs"`
}

// ArtifactProducer names the object (and task) that wrote an artifact.
type ArtifactProducer struct {
	// Kind is PipelineRun or TrainingJob.
	Kind string `json:"kind" protobuf:"bytes,1,opt,name=kind"`
	// Name of the object.
	Name string `json:"name" protobuf:"bytes,2,opt,name=name"`
	// UID of the object, part of the artifact's key in the store.
	// +optional
	UID string `json:"uid,omitempty" protobuf:"bytes,3,opt,name=uid"`
	// Task is the pipeline task (or forEach instance) that wrote it.
	// +optional
	Task string `json:"task,omitempty" protobuf:"bytes,4,opt,name=task"`
}

// ArtifactRecord is one artifact as stored: where, how big, its digest and
// who produced it.
type ArtifactRecord struct {
	// Name of the artifact: the output's name for an output, the input's
	// name for an input.
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
	// Type of the artifact.
	// +optional
	Type ArtifactType `json:"type,omitempty" protobuf:"bytes,2,opt,name=type,casttype=ArtifactType"`
	// Key of the artifact in its store, without the store's prefix:
	// <namespace>/<kind>/<name>/<uid>/<task>/<artifact>.
	// +optional
	Key string `json:"key,omitempty" protobuf:"bytes,3,opt,name=key"`
	// URI of the artifact in its store (file://... or s3://...).
	// +optional
	URI string `json:"uri,omitempty" protobuf:"bytes,4,opt,name=uri"`
	// SizeBytes is the size in bytes (of the archive, for a directory).
	// Its Go name is not Size, which would clash with the Size method of
	// the protobuf encoding; on the wire it is "size".
	// +optional
	SizeBytes int64 `json:"size,omitempty" protobuf:"varint,5,opt,name=size"`
	// Digest is "sha256:" and the hex SHA-256 of the stored bytes.
	// +optional
	Digest string `json:"digest,omitempty" protobuf:"bytes,6,opt,name=digest"`
	// Producer is who wrote it; unset for an input given by URI.
	// +optional
	Producer *ArtifactProducer `json:"producer,omitempty" protobuf:"bytes,7,opt,name=producer"`
}

// ArtifactsStatus are the artifacts an object (or a task) consumed and
// produced.
type ArtifactsStatus struct {
	// Inputs are the artifacts consumed.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	Inputs []ArtifactRecord `json:"inputs,omitempty" patchStrategy:"merge" patchMergeKey:"name" protobuf:"bytes,1,rep,name=inputs"`
	// Outputs are the artifacts produced.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchMergeKey=name
	// +patchStrategy=merge
	Outputs []ArtifactRecord `json:"outputs,omitempty" patchStrategy:"merge" patchMergeKey:"name" protobuf:"bytes,2,rep,name=outputs"`
}
