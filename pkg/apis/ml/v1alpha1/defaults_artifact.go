package v1alpha1

import "path"

// SetDefaults_OutputArtifact defaults the type to Generic and the path to
// /ml/artifacts/out/<name>.
func SetDefaults_OutputArtifact(obj *OutputArtifact) {
	if obj.Type == "" {
		obj.Type = ArtifactTypeGeneric
	}
	if obj.Path == "" && obj.Name != "" {
		obj.Path = path.Join(ArtifactsRoot, "out", obj.Name)
	}
}

// SetDefaults_InputArtifact defaults the path to /ml/artifacts/in/<name>.
func SetDefaults_InputArtifact(obj *InputArtifact) {
	if obj.Path == "" && obj.Name != "" {
		obj.Path = path.Join(ArtifactsRoot, "in", obj.Name)
	}
}
