package v1alpha1

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// PipelineSnapshotHashPrefix starts every status.pipeline.hash.
const PipelineSnapshotHashPrefix = "sha256:"

// PipelineSnapshotHash is the status.pipeline.hash of a run whose snapshot
// is spec: "sha256:" and the hex SHA-256 of spec's JSON encoding, which is
// canonical (struct fields in declaration order, map keys sorted). A client
// checks what the pipeline subresource served with it.
func PipelineSnapshotHash(spec *PipelineSpec) (string, error) {
	data, err := json.Marshal(spec)
	if err != nil {
		return "", fmt.Errorf("encode the pipeline snapshot: %w", err)
	}
	sum := sha256.Sum256(data)
	return PipelineSnapshotHashPrefix + hex.EncodeToString(sum[:]), nil
}

// Annotations on the Pipeline the pipeline subresource of a PipelineRun
// serves.
const (
	// PipelineSnapshotHashAnnotation is the run's status.pipeline.hash.
	PipelineSnapshotHashAnnotation = "ml.example.io/pipeline-hash"
	// PipelineSnapshotSourceAnnotation is the Pipeline the snapshot was
	// taken of; absent for an inline spec.pipelineSpec.
	PipelineSnapshotSourceAnnotation = "ml.example.io/pipeline"
)
