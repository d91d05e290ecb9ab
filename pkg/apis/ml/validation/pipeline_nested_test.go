package validation_test

import (
	"testing"
	"time"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

func TestValidatePipelineNestedTasks(t *testing.T) {
	nested := func(name string) *mltesting.TaskWrapper { return mltesting.MakeNestedTask(name, "train") }
	producer := task("prep").Outputs("uri").Obj()
	cases := []struct {
		name    string
		tasks   []ml.PipelineTask
		finally []ml.PipelineTask
		want    []string
	}{
		{name: "pipelineRef with params, dependencies, when, retries and outputs", tasks: []ml.PipelineTask{
			producer,
			nested("t").Param("data", "$(tasks.prep.outputs.uri)").Param("lr", "$(params.str)").
				When("$(params.str)", ml.WhenOperatorIn, "s").Retries(2).Outputs("model").Obj(),
			task("use").Args("$(tasks.t.outputs.model)").DependsOn("t").Obj(),
		}},
		{name: "pipelineRef name required", tasks: []ml.PipelineTask{mltesting.MakeNestedTask("t", "").Obj()},
			want: []string{"spec.tasks[0].pipelineRef.name: Required value"}},
		{name: "pipelineRef name not a DNS subdomain", tasks: []ml.PipelineTask{mltesting.MakeNestedTask("t", "Train_1").Obj()},
			want: []string{"spec.tasks[0].pipelineRef.name: Invalid value"}},
		{name: "pipelineRef with a container", tasks: []ml.PipelineTask{nested("t").Image("busybox").Command("echo").Obj()},
			want: []string{"spec.tasks[0]: Forbidden"}},
		{name: "pipelineRef with pod options", tasks: []ml.PipelineTask{nested("t").ServiceAccountName("sa").Obj()},
			want: []string{"spec.tasks[0]: Forbidden"}},
		{name: "pipelineRef with a timeout", tasks: []ml.PipelineTask{nested("t").Timeout(time.Hour).Obj()},
			want: []string{"spec.tasks[0].timeout: Forbidden"}},
		{name: "pipelineRef with forEach", tasks: []ml.PipelineTask{nested("t").ForEachItems("a").Obj()},
			want: []string{"spec.tasks[0].forEach: Forbidden"}},
		{name: "pipelineRef in finally", tasks: []ml.PipelineTask{producer}, finally: []ml.PipelineTask{nested("f").Obj()},
			want: []string{"spec.finally[0].pipelineRef: Forbidden"}},
		{name: "params names unique DNS labels", tasks: []ml.PipelineTask{nested("t").Param("a", "1").Param("a", "2").Param("B", "3").Obj()},
			want: []string{"spec.tasks[0].params[1].name: Duplicate value", "spec.tasks[0].params[2].name: Invalid value"}},
		{name: "params read declared params", tasks: []ml.PipelineTask{nested("t").Param("a", "$(params.nope)").Obj()},
			want: []string{"spec.tasks[0].params[0].value: Invalid value"}},
		{name: "params read declared outputs", tasks: []ml.PipelineTask{producer, nested("t").Param("a", "$(tasks.prep.outputs.nope)").Obj()},
			want: []string{"spec.tasks[1].params[0].value: Invalid value"}},
		{name: "params may not use $(item)", tasks: []ml.PipelineTask{nested("t").Param("a", "$(item)").Obj()},
			want: []string{"spec.tasks[0].params[0].value: Forbidden"}},
		{name: "params only with pipelineRef", tasks: []ml.PipelineTask{task("c").Param("a", "1").Obj()},
			want: []string{"spec.tasks[0].params: Forbidden"}},
		{name: "a pipeline running itself", tasks: []ml.PipelineTask{mltesting.MakeNestedTask("again", "p").Obj()},
			want: []string{"spec.tasks[0].pipelineRef.name: Invalid value"}},
		{name: "a cycle through params", tasks: []ml.PipelineTask{
			nested("t").Param("a", "$(tasks.u.outputs.o)").Outputs("o").Obj(),
			nested("u").Param("a", "$(tasks.t.outputs.o)").Outputs("o").Obj(),
		}, want: []string{"spec.tasks: Invalid value"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := pipeline(tc.tasks...).Finally(tc.finally...).Params(param("str").Default("s").Obj()).Obj()
			checkErrors(t, tc.want, validation.ValidatePipeline(obj, opts))
		})
	}
}

func TestValidatePipelineOutputs(t *testing.T) {
	fit := task("fit").Outputs("model").Obj()
	cases := []struct {
		name    string
		outputs []ml.PipelineOutput
		want    []string
	}{
		{name: "an output of a task", outputs: []ml.PipelineOutput{{Name: "model", Value: "$(tasks.fit.outputs.model)"}}},
		{name: "name required", outputs: []ml.PipelineOutput{{Value: "$(tasks.fit.outputs.model)"}},
			want: []string{"spec.outputs[0].name: Required value"}},
		{name: "names unique", outputs: []ml.PipelineOutput{{Name: "m", Value: "$(tasks.fit.outputs.model)"}, {Name: "m", Value: "$(tasks.fit.outputs.model)"}},
			want: []string{"spec.outputs[1].name: Duplicate value"}},
		{name: "value not a single reference", outputs: []ml.PipelineOutput{{Name: "m", Value: "s3://$(tasks.fit.outputs.model)"}},
			want: []string{"spec.outputs[0].value: Invalid value"}},
		{name: "value a param", outputs: []ml.PipelineOutput{{Name: "m", Value: "$(params.str)"}},
			want: []string{"spec.outputs[0].value: Invalid value"}},
		{name: "value an undeclared output", outputs: []ml.PipelineOutput{{Name: "m", Value: "$(tasks.fit.outputs.nope)"}},
			want: []string{"spec.outputs[0].value: Invalid value"}},
		{name: "value an unknown task", outputs: []ml.PipelineOutput{{Name: "m", Value: "$(tasks.nope.outputs.model)"}},
			want: []string{"spec.outputs[0].value: Invalid value"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := pipeline(fit).Params(param("str").Default("s").Obj())
			for _, o := range tc.outputs {
				w.Output(o.Name, o.Value)
			}
			checkErrors(t, tc.want, validation.ValidatePipeline(w.Obj(), opts))
		})
	}
}
