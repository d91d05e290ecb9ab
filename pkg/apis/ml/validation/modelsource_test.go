package validation_test

import (
	"testing"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

func TestValidateModelSourceURIAndArtifact(t *testing.T) {
	cluster := validation.DefaultOptions()
	cluster.ForbidLocalFiles = true
	fromJob := &ml.ModelArtifactSource{FromTrainingJob: "train", Name: "model"}
	fromRun := &ml.ModelArtifactSource{FromPipelineRun: "run", Task: "train", Name: "model"}
	cases := []struct {
		name string
		src  ml.ModelSource
		opts validation.Options
		want []string
	}{
		{name: "s3", src: ml.ModelSource{URI: "s3://bucket/models/resnet"}},
		{name: "s3 without key", src: ml.ModelSource{URI: "s3://bucket"}, want: []string{"spec.source.uri: Invalid value"}},
		{name: "https", src: ml.ModelSource{URI: "https://models.example.com/resnet.onnx"}},
		{name: "pvc", src: ml.ModelSource{URI: "pvc://models/resnet/v2"}},
		{name: "pvc with dot-dot", src: ml.ModelSource{URI: "pvc://models/../etc"}, want: []string{"spec.source.uri: Invalid value"}},
		{name: "pvc claim invalid", src: ml.ModelSource{URI: "pvc://Models/x"}, want: []string{"spec.source.uri: Invalid value"}},
		{name: "file standalone", src: ml.ModelSource{URI: "file:///srv/models/resnet"}},
		{name: "file on a cluster", src: ml.ModelSource{URI: "file:///srv/models/resnet"}, opts: cluster, want: []string{"spec.source.uri: Invalid value"}},
		{name: "path on a cluster", src: ml.ModelSource{URI: "/srv/models/resnet"}, opts: cluster, want: []string{"spec.source.uri: Invalid value"}},
		{name: "s3 on a cluster", src: ml.ModelSource{URI: "s3://b/m"}, opts: cluster},
		{name: "unsupported scheme", src: ml.ModelSource{URI: "gs://bucket/model"}, want: []string{"spec.source.uri: Unsupported value"}},

		{name: "artifact of a TrainingJob", src: ml.ModelSource{Artifact: fromJob}},
		{name: "artifact of a PipelineRun task", src: ml.ModelSource{Artifact: fromRun}},
		{name: "artifact and uri", src: ml.ModelSource{URI: "s3://b/m", Artifact: fromJob}, want: []string{"spec.source.artifact: Forbidden"}},
		{name: "artifact without producer", src: ml.ModelSource{Artifact: &ml.ModelArtifactSource{Name: "model"}}, want: []string{"spec.source.artifact: Required value"}},
		{name: "artifact with both producers", src: ml.ModelSource{Artifact: &ml.ModelArtifactSource{FromTrainingJob: "a", FromPipelineRun: "b", Task: "t", Name: "model"}},
			want: []string{"spec.source.artifact.fromPipelineRun: Forbidden"}},
		{name: "artifact of a run without task", src: ml.ModelSource{Artifact: &ml.ModelArtifactSource{FromPipelineRun: "run", Name: "model"}}, want: []string{"spec.source.artifact.task: Required value"}},
		{name: "artifact of a job with task", src: ml.ModelSource{Artifact: &ml.ModelArtifactSource{FromTrainingJob: "j", Task: "t", Name: "model"}}, want: []string{"spec.source.artifact.task: Forbidden"}},
		{name: "artifact without name", src: ml.ModelSource{Artifact: &ml.ModelArtifactSource{FromTrainingJob: "j"}}, want: []string{"spec.source.artifact.name: Required value"}},
		{name: "artifact name invalid", src: ml.ModelSource{Artifact: &ml.ModelArtifactSource{FromTrainingJob: "j", Name: "My_Model"}}, want: []string{"spec.source.artifact.name: Invalid value"}},
		{name: "artifact producer name invalid", src: ml.ModelSource{Artifact: &ml.ModelArtifactSource{FromTrainingJob: "J", Name: "model"}}, want: []string{"spec.source.artifact.fromTrainingJob: Invalid value"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.opts
			if o.MaxReplicas == 0 {
				o = opts
			}
			checkErrors(t, tc.want, validation.ValidateModel(model().Source(tc.src).Obj(), o))
		})
	}
}
