package workload

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
)

// ArtifactsAnnotation is on the template of a replica that reads or writes
// artifacts: the JSON of its ArtifactPlan. The runtime acts on it: the
// local runtime pulls the inputs before the process starts and pushes the
// outputs after it exits 0; the Kubernetes runtime adds an init container
// that pulls and wraps the main container's command with the push.
const ArtifactsAnnotation = "ml.example.io/artifacts"

// Kinds of artifact owners: the kind segment of their keys in the store.
const (
	ArtifactKindPipelineRun = "pipelineruns"
	ArtifactKindTrainingJob = "trainingjobs"
)

// ArtifactPlan is what a replica reads from and writes to the artifact
// store of its namespace.
type ArtifactPlan struct {
	// Inputs are pulled before the main container starts.
	Inputs []ArtifactTransfer `json:"inputs,omitempty"`
	// Outputs are pushed after the main container exited 0.
	Outputs []ArtifactTransfer `json:"outputs,omitempty"`
}

// ArtifactTransfer is one artifact to pull or push.
type ArtifactTransfer struct {
	// Name of the input or output, which names its environment variable.
	Name string `json:"name"`
	// Key of the artifact in the store.
	Key string `json:"key"`
	// Path is where the artifact is in the container, under /ml/artifacts.
	Path string `json:"path"`
}

// ArtifactResult is an output artifact as pushed.
type ArtifactResult struct {
	// Name of the output.
	Name string `json:"name"`
	// Key, URI, Size and Digest of what was stored.
	Key    string `json:"key"`
	URI    string `json:"uri,omitempty"`
	Size   int64  `json:"size"`
	Digest string `json:"digest"`
}

// ArtifactStores gives the artifact store of a namespace: the server's, or
// the one the namespace's Secret describes.
type ArtifactStores interface {
	For(ctx context.Context, namespace string) (artifactstore.Store, error)
}

// SetArtifactPlan records plan on template (nothing for an empty plan).
func SetArtifactPlan(template *corev1.PodTemplateSpec, plan ArtifactPlan) {
	if len(plan.Inputs) == 0 && len(plan.Outputs) == 0 {
		return
	}
	data, _ := json.Marshal(plan) // plain strings: never fails
	if template.Annotations == nil {
		template.Annotations = map[string]string{}
	}
	template.Annotations[ArtifactsAnnotation] = string(data)
}

// ArtifactPlanOf reads the plan of template; ok is false when it has none.
func ArtifactPlanOf(template *corev1.PodTemplateSpec) (plan ArtifactPlan, ok bool, err error) {
	data, ok := template.Annotations[ArtifactsAnnotation]
	if !ok {
		return ArtifactPlan{}, false, nil
	}
	if err := json.Unmarshal([]byte(data), &plan); err != nil {
		return ArtifactPlan{}, true, fmt.Errorf("annotation %s: %w", ArtifactsAnnotation, err)
	}
	return plan, true, nil
}

// ArtifactResultPrefix starts the termination message line in which the
// push step reports an output it stored: the prefix, then the JSON of an
// ArtifactResult. It is not a key=value line, and runtimes take these
// lines out of the termination message before reporting it.
const ArtifactResultPrefix = "#ml.example.io/artifact "

// FormatArtifactResult is the termination message line of r.
func FormatArtifactResult(r ArtifactResult) string {
	data, _ := json.Marshal(r)
	return ArtifactResultPrefix + string(data)
}

// SplitArtifactResults takes the artifact lines out of a termination
// message: it returns the rest of the message and the results (lines that
// do not parse are dropped).
func SplitArtifactResults(message string) (string, []ArtifactResult) {
	if !strings.Contains(message, ArtifactResultPrefix) {
		return message, nil
	}
	var rest []string
	var results []ArtifactResult
	for _, line := range strings.Split(message, "\n") {
		data, ok := strings.CutPrefix(line, ArtifactResultPrefix)
		if !ok {
			rest = append(rest, line)
			continue
		}
		var r ArtifactResult
		if json.Unmarshal([]byte(data), &r) == nil {
			results = append(results, r)
		}
	}
	return strings.Join(rest, "\n"), results
}
