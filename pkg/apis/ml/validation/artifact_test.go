package validation_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

func TestValidatePipelineArtifacts(t *testing.T) {
	prepare := task("prepare").OutputArtifact("data", ml.ArtifactTypeDataset)
	cases := []struct {
		name    string
		tasks   []ml.PipelineTask
		finally []ml.PipelineTask
		want    []string
	}{
		{name: "output and input", tasks: []ml.PipelineTask{prepare.Obj(), task("train").InputArtifact("data", "prepare", "data").OutputArtifact("model", ml.ArtifactTypeModel).Obj()}},
		{name: "input by uri", tasks: []ml.PipelineTask{task("a").InputArtifactFrom("data", "", "s3://bucket/ns/x", "/ml/artifacts/in/data").Obj()}},
		{name: "finally reads a task's artifact", tasks: []ml.PipelineTask{prepare.Obj()}, finally: []ml.PipelineTask{task("f").InputArtifact("data", "prepare", "data").Obj()}},
		{name: "input names a task without that output", tasks: []ml.PipelineTask{prepare.Obj(), task("train").InputArtifact("data", "prepare", "model").Obj()},
			want: []string{"spec.tasks[1].artifacts.inputs[0].from: Invalid value"}},
		{name: "input names no task", tasks: []ml.PipelineTask{task("train").InputArtifact("data", "prepare", "data").Obj()},
			want: []string{"spec.tasks[0].artifacts.inputs[0].from: Invalid value"}},
		{name: "input names itself", tasks: []ml.PipelineTask{task("a").OutputArtifact("d", "").InputArtifact("d", "a", "d").Obj()},
			want: []string{"spec.tasks[0].artifacts.inputs[0].from: Invalid value"}},
		{name: "input from a forEach task", tasks: []ml.PipelineTask{task("a").OutputArtifact("d", "").ForEachItems("x", "y").Obj(), task("b").InputArtifact("d", "a", "d").Obj()},
			want: []string{"spec.tasks[1].artifacts.inputs[0].from: Forbidden"}},
		{name: "input from a finally task", tasks: []ml.PipelineTask{task("a").InputArtifact("d", "f", "d").Obj()}, finally: []ml.PipelineTask{task("f").OutputArtifact("d", "").Obj()},
			want: []string{"spec.tasks[0].artifacts.inputs[0].from: Forbidden"}},
		{name: "from malformed", tasks: []ml.PipelineTask{prepare.Obj(), task("b").InputArtifactFrom("d", "$(tasks.prepare.outputs.data)", "", "/ml/artifacts/in/d").Obj()},
			want: []string{"spec.tasks[1].artifacts.inputs[0].from: Invalid value"}},
		{name: "neither from nor uri", tasks: []ml.PipelineTask{task("a").InputArtifactFrom("d", "", "", "/ml/artifacts/in/d").Obj()},
			want: []string{"spec.tasks[0].artifacts.inputs[0]: Required value"}},
		{name: "both from and uri", tasks: []ml.PipelineTask{prepare.Obj(), task("b").InputArtifactFrom("d", "$(tasks.prepare.outputs.artifacts.data)", "s3://b/k", "/ml/artifacts/in/d").Obj()},
			want: []string{"spec.tasks[1].artifacts.inputs[0].uri: Forbidden"}},
		{name: "uri scheme", tasks: []ml.PipelineTask{task("a").InputArtifactFrom("d", "", "https://example.com/d", "/ml/artifacts/in/d").Obj()},
			want: []string{"spec.tasks[0].artifacts.inputs[0].uri: Invalid value"}},
		{name: "duplicate output names", tasks: []ml.PipelineTask{task("a").OutputArtifact("d", "").OutputArtifactAt("d", "", "/ml/artifacts/out/e").Obj()},
			want: []string{"spec.tasks[0].artifacts.outputs[1].name: Duplicate value"}},
		{name: "output name not a DNS label", tasks: []ml.PipelineTask{task("a").OutputArtifact("D_1", "").Obj()},
			want: []string{"spec.tasks[0].artifacts.outputs[0].name: Invalid value"}},
		{name: "output type", tasks: []ml.PipelineTask{task("a").OutputArtifact("d", "Image").Obj()},
			want: []string{"spec.tasks[0].artifacts.outputs[0].type: Unsupported value"}},
		{name: "path outside /ml/artifacts", tasks: []ml.PipelineTask{task("a").OutputArtifactAt("d", "", "/tmp/d").Obj()},
			want: []string{"spec.tasks[0].artifacts.outputs[0].path: Invalid value"}},
		{name: "path not clean", tasks: []ml.PipelineTask{task("a").OutputArtifactAt("d", "", "/ml/artifacts/../etc").Obj()},
			want: []string{"spec.tasks[0].artifacts.outputs[0].path: Invalid value"}},
		{name: "path is the root", tasks: []ml.PipelineTask{task("a").OutputArtifactAt("d", "", "/ml/artifacts").Obj()},
			want: []string{"spec.tasks[0].artifacts.outputs[0].path: Invalid value"}},
		{name: "paths overlap", tasks: []ml.PipelineTask{prepare.Obj(), task("b").InputArtifactFrom("d", "$(tasks.prepare.outputs.artifacts.data)", "", "/ml/artifacts/x").OutputArtifactAt("m", "", "/ml/artifacts/x/m").Obj()},
			want: []string{"spec.tasks[1].artifacts.inputs[0].path: Invalid value"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, tc.want, validation.ValidatePipeline(pipeline(tc.tasks...).Finally(tc.finally...).Obj(), opts))
		})
	}
}

func TestArtifactInputsAreDependencies(t *testing.T) {
	got := validation.DependenciesOf(task("train").InputArtifact("data", "prepare", "data").Obj())
	if diff := cmp.Diff([]string{"prepare"}, got); diff != "" {
		t.Errorf("dependencies (-want +got):\n%s", diff)
	}
}

func TestArtifactEnvName(t *testing.T) {
	if got, want := validation.ArtifactEnvName("OUTPUT", "eval-report"), "ML_ARTIFACT_OUTPUT_EVAL_REPORT"; got != want {
		t.Errorf("ArtifactEnvName = %q, want %q", got, want)
	}
}

func TestValidateTrainingJobArtifacts(t *testing.T) {
	checkErrors(t, nil, validation.ValidateTrainingJob(mltesting.MakeTrainingJob("a", "ns").OutputArtifact("model", ml.ArtifactTypeModel).Obj(), opts))
	checkErrors(t, []string{"spec.artifacts.outputs[1].name: Duplicate value", "spec.artifacts.outputs[1].path: Invalid value"}, validation.ValidateTrainingJob(
		mltesting.MakeTrainingJob("a", "ns").OutputArtifact("model", ml.ArtifactTypeModel).OutputArtifact("model", "").Obj(), opts))
	old := mltesting.MakeTrainingJob("a", "ns").ResourceVersion("1").Obj()
	checkErrors(t, []string{"spec.artifacts: Invalid value"}, validation.ValidateTrainingJobUpdate(
		mltesting.MakeTrainingJob("a", "ns").ResourceVersion("1").OutputArtifact("model", ml.ArtifactTypeModel).Obj(), old, opts))
}
