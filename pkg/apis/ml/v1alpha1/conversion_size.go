package v1alpha1

import (
	"k8s.io/apimachinery/pkg/conversion"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// The versioned ArtifactRecord and WorkspaceSpec name their "size" field
// SizeBytes and VolumeSize: a Go field named Size would clash with the Size
// method of the generated protobuf encoding. The internal types keep Size.

// Convert_v1alpha1_ArtifactRecord_To_ml_ArtifactRecord converts SizeBytes to Size.
func Convert_v1alpha1_ArtifactRecord_To_ml_ArtifactRecord(in *ArtifactRecord, out *ml.ArtifactRecord, s conversion.Scope) error {
	if err := autoConvert_v1alpha1_ArtifactRecord_To_ml_ArtifactRecord(in, out, s); err != nil {
		return err
	}
	out.Size = in.SizeBytes
	return nil
}

// Convert_ml_ArtifactRecord_To_v1alpha1_ArtifactRecord converts Size to SizeBytes.
func Convert_ml_ArtifactRecord_To_v1alpha1_ArtifactRecord(in *ml.ArtifactRecord, out *ArtifactRecord, s conversion.Scope) error {
	if err := autoConvert_ml_ArtifactRecord_To_v1alpha1_ArtifactRecord(in, out, s); err != nil {
		return err
	}
	out.SizeBytes = in.Size
	return nil
}

// Convert_v1alpha1_WorkspaceSpec_To_ml_WorkspaceSpec converts VolumeSize to Size.
func Convert_v1alpha1_WorkspaceSpec_To_ml_WorkspaceSpec(in *WorkspaceSpec, out *ml.WorkspaceSpec, s conversion.Scope) error {
	if err := autoConvert_v1alpha1_WorkspaceSpec_To_ml_WorkspaceSpec(in, out, s); err != nil {
		return err
	}
	out.Size = in.VolumeSize
	return nil
}

// Convert_ml_WorkspaceSpec_To_v1alpha1_WorkspaceSpec converts Size to VolumeSize.
func Convert_ml_WorkspaceSpec_To_v1alpha1_WorkspaceSpec(in *ml.WorkspaceSpec, out *WorkspaceSpec, s conversion.Scope) error {
	if err := autoConvert_ml_WorkspaceSpec_To_v1alpha1_WorkspaceSpec(in, out, s); err != nil {
		return err
	}
	out.VolumeSize = in.Size
	return nil
}
