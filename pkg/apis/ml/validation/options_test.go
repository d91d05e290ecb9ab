package validation_test

import (
	"strconv"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

func items(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = strconv.Itoa(i)
	}
	return out
}

func TestCaps(t *testing.T) {
	small := validation.Options{MaxReplicas: 10, MaxForEachItems: 3}
	tooMany := mltesting.MakeTask("a").ForEachItems(items(4)...).Obj()
	cases := []struct {
		name string
		errs field.ErrorList
		want []string
	}{
		{name: "job at the default cap", errs: validation.ValidateTrainingJob(job().Replicas(1000).Obj(), opts)},
		{name: "job over the default cap", errs: validation.ValidateTrainingJob(job().Replicas(1000000).Obj(), opts),
			want: []string{"spec.replicas: Invalid value: 1000000: must be no more than 1000 (the server's --max-replicas)"}},
		{name: "job over a configured cap", errs: validation.ValidateTrainingJob(job().Replicas(11).Obj(), small),
			want: []string{"spec.replicas: Invalid value: 11: must be no more than 10 (the server's --max-replicas)"}},
		{name: "elastic maxReplicas over the cap", errs: validation.ValidateTrainingJob(job().Elastic(1, 11).Replicas(2).Obj(), small),
			want: []string{"spec.elastic.maxReplicas: Invalid value: 11: must be no more than 10 (the server's --max-replicas)"}},
		{name: "model over the cap", errs: validation.ValidateModel(model().Replicas(1001).Obj(), opts),
			want: []string{"spec.replicas: Invalid value: 1001: must be no more than 1000 (the server's --max-replicas)"}},
		{name: "forEach at the cap", errs: validation.ValidatePipeline(pipeline(mltesting.MakeTask("a").ForEachItems(items(3)...).Obj()).Obj(), small)},
		{name: "forEach over the cap", errs: validation.ValidatePipeline(pipeline(tooMany).Obj(), small),
			want: []string{"spec.tasks[0].forEach.items: Too many: 4: must have at most 3 items (the server's --max-foreach)"}},
		{name: "forEach of an inline run over the cap", errs: validation.ValidatePipelineRun(
			mltesting.MakePipelineRun("r", "ns").PipelineSpec(pipeline(tooMany).Spec()).Obj(), small),
			want: []string{"spec.pipelineSpec.tasks[0].forEach.items: Too many: 4: must have at most 3 items (the server's --max-foreach)"}},
		{name: "forEach of 5,000 items by default", errs: validation.ValidatePipeline(pipeline(mltesting.MakeTask("a").ForEachItems(items(5000)...).Obj()).Obj(), opts)},
		{name: "forEach over the default cap", errs: validation.ValidatePipeline(pipeline(mltesting.MakeTask("a").ForEachItems(items(5001)...).Obj()).Obj(), opts),
			want: []string{"spec.tasks[0].forEach.items: Too many: 5001: must have at most 5000 items (the server's --max-foreach)"}},
		{name: "forEach parallelism", errs: validation.ValidatePipeline(pipeline(mltesting.MakeTask("a").ForEachItems(items(3)...).ForEachParallelism(2).Obj()).Obj(), small)},
		{name: "forEach parallelism of 0", errs: validation.ValidatePipeline(pipeline(mltesting.MakeTask("a").ForEachItems("x").ForEachParallelism(0).Obj()).Obj(), small),
			want: []string{"spec.tasks[0].forEach.parallelism: Invalid value: 0: must be at least 1"}},
		{name: "forEach parallelism over the cap", errs: validation.ValidatePipeline(pipeline(mltesting.MakeTask("a").ForEachItems("x").ForEachParallelism(4).Obj()).Obj(), small),
			want: []string{"spec.tasks[0].forEach.parallelism: Invalid value: 4: must be no more than 3 (the server's --max-foreach)"}},
		{name: "instances of a run over the cap", errs: validation.ValidatePipeline(pipeline(
			mltesting.MakeTask("a").ForEachItems(items(3)...).Obj(), mltesting.MakeTask("b").ForEachItems(items(3)...).Obj()).Obj(),
			validation.Options{MaxReplicas: 10, MaxForEachItems: 3, MaxRunInstances: 5}),
			want: []string{"spec.tasks: Invalid value: the forEach lists of the pipeline have 6 items together, more than the 5 instances a run may have (the server's --max-run-instances)"}},
		{name: "instances of a run at the cap", errs: validation.ValidatePipeline(pipeline(
			mltesting.MakeTask("a").ForEachItems(items(3)...).Obj(), mltesting.MakeTask("b").ForEachItems(items(2)...).Obj()).Obj(),
			validation.Options{MaxReplicas: 10, MaxForEachItems: 3, MaxRunInstances: 5})},
		{name: "update keeps a count stored under a higher cap", errs: validation.ValidateTrainingJobUpdate(
			job().Elastic(1, 20).Replicas(15).ResourceVersion("1").Obj(), job().Elastic(1, 20).Replicas(20).ResourceVersion("1").Obj(), small)},
		{name: "update may not grow past the cap", errs: validation.ValidateModelUpdate(
			model().Replicas(12).ResourceVersion("1").Obj(), model().Replicas(11).ResourceVersion("1").Obj(), small),
			want: []string{"spec.replicas: Invalid value: 12: must be no more than 11 (the server's --max-replicas)"}},
		{name: "pipeline update keeps a list stored under a higher cap", errs: validation.ValidatePipelineUpdate(
			mltesting.MakePipeline("p", "ns").Tasks(tooMany).ResourceVersion("1").Obj(), mltesting.MakePipeline("p", "ns").Tasks(tooMany).ResourceVersion("1").Obj(), small)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkMessages(t, tc.want, tc.errs)
		})
	}
}

func TestNULBytes(t *testing.T) {
	const nul = "must not contain a NUL byte (\\x00): process arguments, environment and paths are C strings"
	cases := []struct {
		name string
		errs field.ErrorList
		want []string
	}{
		{name: "command", errs: validation.ValidateTrainingJob(job().Command("python", "tr\x00ain.py").Obj(), opts),
			want: []string{`spec.command[1]: Invalid value: "tr\x00ain.py": ` + nul}},
		{name: "args", errs: validation.ValidateNotebook(notebook().Args("--dir=\x00").Obj()),
			want: []string{`spec.args[0]: Invalid value: "--dir=\x00": ` + nul}},
		{name: "env value", errs: validation.ValidatePipeline(pipeline(mltesting.MakeTask("a").Env("A", "x\x00y").Obj()).Obj(), opts),
			want: []string{`spec.tasks[0].env[0].value: Invalid value: "x\x00y": ` + nul}},
		{name: "model runtime args", errs: validation.ValidateModel(model().RuntimeCommand("serve").Obj(), opts)},
		{name: "volume mount path", errs: validation.ValidateTrainingJob(job().PVCVolume("data", "claim").VolumeMount("data", "/data\x00").Obj(), opts),
			want: []string{`spec.volumeMounts[0].mountPath: Invalid value: "/data\x00": ` + nul}},
		{name: "forEach item", errs: validation.ValidatePipeline(pipeline(mltesting.MakeTask("a").ForEachItems("a\x00").Obj()).Obj(), opts),
			want: []string{`spec.tasks[0].forEach.items[0]: Invalid value: "a\x00": ` + nul}},
		{name: "param value", errs: validation.ValidatePipelineRun(mltesting.MakePipelineRun("r", "ns").
			PipelineSpec(pipeline(mltesting.MakeTask("a").Obj()).Params(mltesting.MakeParamSpec("p").Obj()).Spec()).Param("p", "\x00").Obj(), opts),
			want: []string{`spec.params[0].value: Invalid value: "\x00": parameter "p" is of type string: ` + nul}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkMessages(t, tc.want, tc.errs)
		})
	}
	m := model().Obj()
	m.Spec.Runtime.Args = []string{"\x00"}
	checkMessages(t, []string{`spec.runtime.args[0]: Invalid value: "\x00": ` + nul}, validation.ValidateModel(m, opts))
}
