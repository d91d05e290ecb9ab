package pipelinerun

import (
	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// cachedArtifacts are the output artifacts of a cached task, for the
// tasks its cache key serves.
func cachedArtifacts(a *mlv1alpha1.ArtifactsStatus) []ml.ArtifactRecord {
	if a == nil {
		return nil
	}
	out := make([]ml.ArtifactRecord, len(a.Outputs))
	for i := range a.Outputs {
		// Only casts: the types are the same in both versions.
		_ = mlv1alpha1.Convert_v1alpha1_ArtifactRecord_To_ml_ArtifactRecord(&a.Outputs[i], &out[i], nil)
	}
	return out
}
