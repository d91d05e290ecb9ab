package validation_test

import (
	"testing"
	"time"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

var (
	task  = mltesting.MakeTask
	param = mltesting.MakeParamSpec
)

// pipeline starts a valid pipeline "p" in "ns" with the given tasks.
func pipeline(tasks ...ml.PipelineTask) *mltesting.PipelineWrapper {
	return mltesting.MakePipeline("p", "ns").Tasks(tasks...)
}

func TestValidatePipelineMetadataAndTasks(t *testing.T) {
	cases := []struct {
		name string
		obj  *ml.Pipeline
		want []string
	}{
		{name: "valid", obj: pipeline(task("a").Obj()).Obj()},
		{name: "name is a DNS subdomain", obj: mltesting.MakePipeline("train.v2", "ns").Tasks(task("a").Obj()).Obj()},
		{name: "name not a DNS subdomain", obj: mltesting.MakePipeline("Train_V2", "ns").Tasks(task("a").Obj()).Obj(), want: []string{"metadata.name: Invalid value"}},
		{name: "namespace required", obj: mltesting.MakePipeline("p", "").Tasks(task("a").Obj()).Obj(), want: []string{"metadata.namespace: Required value"}},
		{name: "no tasks", obj: pipeline().Obj(), want: []string{"spec.tasks: Required value"}},
		{name: "finally only", obj: pipeline().Finally(task("f").Obj()).Obj(), want: []string{"spec.tasks: Required value"}},
		{name: "task name required", obj: pipeline(task("").Obj()).Obj(), want: []string{"spec.tasks[0].name: Required value"}},
		{name: "task name not a DNS label", obj: pipeline(task("train.model").Obj()).Obj(), want: []string{"spec.tasks[0].name: Invalid value"}},
		{name: "task names unique", obj: pipeline(task("a").Obj(), task("a").Obj()).Obj(), want: []string{"spec.tasks[1].name: Duplicate value"}},
		{name: "finally name clashes with a task", obj: pipeline(task("a").Obj()).Finally(task("a").Obj()).Obj(), want: []string{"spec.finally[0].name: Duplicate value"}},
		{name: "finally names unique", obj: pipeline(task("a").Obj()).Finally(task("f").Obj(), task("f").Obj()).Obj(), want: []string{"spec.finally[1].name: Duplicate value"}},
		{name: "finally name not a DNS label", obj: pipeline(task("a").Obj()).Finally(task("F").Obj()).Obj(), want: []string{"spec.finally[0].name: Invalid value"}},
		{name: "command without image", obj: pipeline(task("a").Image("").Command("python", "train.py").Obj()).Obj()},
		{name: "neither image nor command", obj: pipeline(task("a").Image("").Obj()).Obj(), want: []string{"spec.tasks[0].image: Required value"}},
		{name: "task pod options validated", obj: pipeline(task("a").VolumeMount("data", "/data").Obj()).Obj(), want: []string{"spec.tasks[0].volumeMounts[0].name: Invalid value"}},
		{name: "finally container validated", obj: pipeline(task("a").Obj()).Finally(task("f").Env("1X", "v").Obj()).Obj(), want: []string{"spec.finally[0].env[0].name: Invalid value"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, tc.want, validation.ValidatePipeline(tc.obj, opts))
		})
	}
}

func TestValidatePipelineParams(t *testing.T) {
	cases := []struct {
		name   string
		params []ml.ParamSpec
		want   []string
	}{
		{
			name: "every type with a valid default",
			params: []ml.ParamSpec{
				param("s").Default("anything").Obj(),
				param("untyped").Type("").Default("x").Obj(),
				param("i").Type(ml.ParamTypeInt).Default("-3").Obj(),
				param("f").Type(ml.ParamTypeFloat).Default("1e-3").Obj(),
				param("b").Type(ml.ParamTypeBool).Default("false").Obj(),
				param("l").Type(ml.ParamTypeList).Default(`["0.1", "0.01"]`).Obj(),
				param("required").Obj(),
			},
		},
		{name: "name required", params: []ml.ParamSpec{param("").Obj()}, want: []string{"spec.params[0].name: Required value"}},
		{name: "name not a DNS label", params: []ml.ParamSpec{param("learning_rate").Obj()}, want: []string{"spec.params[0].name: Invalid value"}},
		{name: "names unique", params: []ml.ParamSpec{param("lr").Obj(), param("lr").Obj()}, want: []string{"spec.params[1].name: Duplicate value"}},
		{name: "unknown type", params: []ml.ParamSpec{param("lr").Type("number").Obj()}, want: []string{"spec.params[0].type: Unsupported value"}},
		{name: "int default", params: []ml.ParamSpec{param("n").Type(ml.ParamTypeInt).Default("1.5").Obj()}, want: []string{"spec.params[0].default: Invalid value"}},
		{name: "float default", params: []ml.ParamSpec{param("n").Type(ml.ParamTypeFloat).Default("fast").Obj()}, want: []string{"spec.params[0].default: Invalid value"}},
		{name: "bool default", params: []ml.ParamSpec{param("n").Type(ml.ParamTypeBool).Default("yes").Obj()}, want: []string{"spec.params[0].default: Invalid value"}},
		{name: "list default not JSON", params: []ml.ParamSpec{param("n").Type(ml.ParamTypeList).Default("a,b").Obj()}, want: []string{"spec.params[0].default: Invalid value"}},
		{name: "list default null", params: []ml.ParamSpec{param("n").Type(ml.ParamTypeList).Default("null").Obj()}, want: []string{"spec.params[0].default: Invalid value"}},
		{name: "list default of numbers", params: []ml.ParamSpec{param("n").Type(ml.ParamTypeList).Default("[1, 2]").Obj()}, want: []string{"spec.params[0].default: Invalid value"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, tc.want, validation.ValidatePipeline(pipeline(task("a").Obj()).Params(tc.params...).Obj(), opts))
		})
	}
}

func TestValidatePipelineTaskFields(t *testing.T) {
	cases := []struct {
		name string
		task ml.PipelineTask
		want []string
	}{
		{name: "outputs", task: task("a").Outputs("model", "accuracy").Obj()},
		{name: "output name required", task: task("a").Outputs("").Obj(), want: []string{"spec.tasks[0].outputs[0].name: Required value"}},
		{name: "output name not a DNS label", task: task("a").Outputs("Model").Obj(), want: []string{"spec.tasks[0].outputs[0].name: Invalid value"}},
		{name: "output names unique", task: task("a").Outputs("m", "m").Obj(), want: []string{"spec.tasks[0].outputs[1].name: Duplicate value"}},

		{name: "when", task: task("a").When("x", ml.WhenOperatorNotIn, "y").Obj()},
		{name: "when operator", task: task("a").When("x", "Equals", "y").Obj(), want: []string{"spec.tasks[0].when[0].operator: Unsupported value"}},
		{name: "when values required", task: task("a").When("x", ml.WhenOperatorIn).Obj(), want: []string{"spec.tasks[0].when[0].values: Required value"}},
		{name: "when input required", task: task("a").When("", ml.WhenOperatorIn, "y").Obj(), want: []string{"spec.tasks[0].when[0].input: Required value"}},

		{name: "retries at the limit", task: task("a").Retries(validation.MaxRetryLimit).Obj()},
		{name: "retries zero", task: task("a").Retries(0).Obj()},
		{name: "retries negative", task: task("a").Retries(-1).Obj(), want: []string{"spec.tasks[0].retries.limit: Invalid value"}},
		{name: "retries over the limit", task: task("a").Retries(validation.MaxRetryLimit + 1).Obj(), want: []string{"spec.tasks[0].retries.limit: Invalid value"}},
		{name: "backoff", task: task("a").Backoff(time.Second, 1, time.Minute).Obj()},
		{name: "backoff duration zero", task: task("a").Backoff(0, 2, time.Minute).Obj(), want: []string{"spec.tasks[0].retries.backoff.duration: Invalid value"}},
		{name: "backoff max duration zero", task: task("a").Backoff(time.Second, 2, 0).Obj(), want: []string{"spec.tasks[0].retries.backoff.maxDuration: Invalid value"}},
		{name: "backoff max below duration", task: task("a").Backoff(time.Minute, 2, time.Second).Obj(), want: []string{"spec.tasks[0].retries.backoff.maxDuration: Invalid value"}},
		{name: "backoff factor below 1", task: task("a").Backoff(time.Second, 0, time.Minute).Obj(), want: []string{"spec.tasks[0].retries.backoff.factor: Invalid value"}},

		{name: "timeout", task: task("a").Timeout(time.Hour).Obj()},
		{name: "timeout zero", task: task("a").Timeout(0).Obj(), want: []string{"spec.tasks[0].timeout: Invalid value"}},
		{name: "timeout negative", task: task("a").Timeout(-time.Second).Obj(), want: []string{"spec.tasks[0].timeout: Invalid value"}},

		{name: "forEach items", task: task("a").ForEachItems("x", "y").Obj()},
		{name: "forEach empty", task: task("a").ForEach(&ml.ForEach{}).Obj(), want: []string{"spec.tasks[0].forEach: Required value"}},
		{name: "forEach items and from", task: task("a").ForEach(&ml.ForEach{Items: []string{"x"}, From: "$(params.list)"}).Obj(), want: []string{"spec.tasks[0].forEach.from: Forbidden"}},
		{name: "forEach from list param", task: task("a").ForEachFrom("$(params.list)").Obj()},
		{name: "forEach from string param", task: task("a").ForEachFrom("$(params.str)").Obj(), want: []string{"spec.tasks[0].forEach.from: Invalid value"}},
		{name: "forEach from undeclared param", task: task("a").ForEachFrom("$(params.nope)").Obj(), want: []string{"spec.tasks[0].forEach.from: Invalid value"}},
		{name: "forEach from a literal", task: task("a").ForEachFrom(`["x"]`).Obj(), want: []string{"spec.tasks[0].forEach.from: Invalid value"}},
		{name: "forEach from with extra text", task: task("a").ForEachFrom("x$(params.list)").Obj(), want: []string{"spec.tasks[0].forEach.from: Invalid value"}},
		{name: "forEach from item", task: task("a").ForEachFrom("$(item)").Obj(), want: []string{"spec.tasks[0].forEach.from: Invalid value"}},
		{name: "forEach from own output", task: task("a").Outputs("l").ForEachFrom("$(tasks.a.outputs.l)").Obj(), want: []string{"spec.tasks[0].forEach.from: Invalid value"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := pipeline(tc.task).Params(
				param("list").Type(ml.ParamTypeList).Default(`["a"]`).Obj(),
				param("str").Default("s").Obj(),
			).Obj()
			checkErrors(t, tc.want, validation.ValidatePipeline(obj, opts))
		})
	}
}

func TestValidatePipelineDependencies(t *testing.T) {
	cases := []struct {
		name    string
		tasks   []ml.PipelineTask
		finally []ml.PipelineTask
		want    []string
	}{
		{name: "dependsOn an earlier task", tasks: []ml.PipelineTask{task("a").Obj(), task("b").DependsOn("a").Obj()}},
		{name: "dependsOn a later task", tasks: []ml.PipelineTask{task("b").DependsOn("a").Obj(), task("a").Obj()}},
		{name: "dependsOn unknown task", tasks: []ml.PipelineTask{task("a").Obj(), task("b").DependsOn("c").Obj()}, want: []string{"spec.tasks[1].dependsOn[0]: Invalid value"}},
		{name: "dependsOn itself", tasks: []ml.PipelineTask{task("a").DependsOn("a").Obj()}, want: []string{"spec.tasks[0].dependsOn[0]: Invalid value"}},
		{name: "dependsOn duplicate", tasks: []ml.PipelineTask{task("a").Obj(), task("b").DependsOn("a", "a").Obj()}, want: []string{"spec.tasks[1].dependsOn[1]: Duplicate value"}},
		{
			name:    "dependsOn a finally task",
			tasks:   []ml.PipelineTask{task("a").DependsOn("f").Obj()},
			finally: []ml.PipelineTask{task("f").Obj()},
			want:    []string{"spec.tasks[0].dependsOn[0]: Forbidden"},
		},
		{
			name:    "finally dependsOn a task",
			tasks:   []ml.PipelineTask{task("a").Obj()},
			finally: []ml.PipelineTask{task("f").DependsOn("a").Obj()},
			want:    []string{"spec.finally[0].dependsOn[0]: Forbidden"},
		},
		{
			name:    "finally dependsOn a finally task",
			tasks:   []ml.PipelineTask{task("a").Obj()},
			finally: []ml.PipelineTask{task("f").Obj(), task("g").DependsOn("f").Obj()},
			want:    []string{"spec.finally[1].dependsOn[0]: Forbidden"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, tc.want, validation.ValidatePipeline(pipeline(tc.tasks...).Finally(tc.finally...).Obj(), opts))
		})
	}
}

func TestValidatePipelineUpdate(t *testing.T) {
	old := pipeline(task("a").Obj()).ResourceVersion("1").Obj()
	cases := []struct {
		name string
		obj  *ml.Pipeline
		want []string
	}{
		{name: "tasks may change", obj: pipeline(task("a").Obj(), task("b").DependsOn("a").Obj()).ResourceVersion("1").Obj()},
		{name: "new spec is validated", obj: pipeline(task("a").DependsOn("a").Obj()).ResourceVersion("1").Obj(), want: []string{"spec.tasks[0].dependsOn[0]: Invalid value"}},
		{name: "resourceVersion required", obj: pipeline(task("a").Obj()).Obj(), want: []string{"metadata.resourceVersion: Invalid value"}},
		{name: "name immutable", obj: mltesting.MakePipeline("q", "ns").Tasks(task("a").Obj()).ResourceVersion("1").Obj(), want: []string{"metadata.name: Invalid value"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, tc.want, validation.ValidatePipelineUpdate(tc.obj, old, opts))
		})
	}
}
