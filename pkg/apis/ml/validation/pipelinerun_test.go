package validation_test

import (
	"testing"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

// run starts a valid run "r" in "ns" of the Pipeline "train".
func run() *mltesting.PipelineRunWrapper {
	return mltesting.MakePipelineRun("r", "ns").PipelineRef("train")
}

// inlineSpec is a pipeline with a required int param n, an optional param
// mode and a list param lrs.
func inlineSpec(tasks ...ml.PipelineTask) *ml.PipelineSpec {
	if len(tasks) == 0 {
		tasks = []ml.PipelineTask{task("a").Args("$(params.n)").Obj()}
	}
	return pipeline(tasks...).Params(
		param("n").Type(ml.ParamTypeInt).Obj(),
		param("mode").Default("fast").Obj(),
		param("lrs").Type(ml.ParamTypeList).Default(`["0.1"]`).Obj(),
	).Spec()
}

func TestValidatePipelineRun(t *testing.T) {
	cases := []struct {
		name string
		obj  *ml.PipelineRun
		want []string
	}{
		{name: "pipelineRef", obj: run().Param("anything", "goes").Obj()},
		{name: "name not a DNS subdomain", obj: mltesting.MakePipelineRun("Run_1", "ns").PipelineRef("train").Obj(), want: []string{"metadata.name: Invalid value"}},
		{name: "neither pipelineRef nor pipelineSpec", obj: run().PipelineRef("").Obj(), want: []string{"spec.pipelineRef: Required value"}},
		{
			name: "both pipelineRef and pipelineSpec",
			obj: func() *ml.PipelineRun {
				r := run().Param("n", "3").Obj()
				r.Spec.PipelineSpec = inlineSpec()
				return r
			}(),
			want: []string{"spec.pipelineSpec: Forbidden"},
		},
		{
			name: "pipelineRef name empty",
			obj: func() *ml.PipelineRun {
				r := run().Obj()
				r.Spec.PipelineRef.Name = ""
				return r
			}(),
			want: []string{"spec.pipelineRef.name: Required value"},
		},
		{name: "pipelineRef name not a DNS subdomain", obj: run().PipelineRef("Train_V2").Obj(), want: []string{"spec.pipelineRef.name: Invalid value"}},
		{name: "param name required", obj: run().Param("", "1").Obj(), want: []string{"spec.params[0].name: Required value"}},
		{name: "param names unique", obj: run().Param("n", "1").Param("n", "2").Obj(), want: []string{"spec.params[1].name: Duplicate value"}},
		{name: "parallelism 1", obj: run().Parallelism(1).Obj()},
		{name: "parallelism 0", obj: run().Parallelism(0).Obj(), want: []string{"spec.parallelism: Invalid value"}},
		{name: "activeDeadlineSeconds 1", obj: run().ActiveDeadlineSeconds(1).Obj()},
		{name: "activeDeadlineSeconds 0", obj: run().ActiveDeadlineSeconds(0).Obj(), want: []string{"spec.activeDeadlineSeconds: Invalid value"}},
		{name: "ttlSecondsAfterFinished 0", obj: run().TTLSecondsAfterFinished(0).Obj()},
		{name: "ttlSecondsAfterFinished negative", obj: run().TTLSecondsAfterFinished(-1).Obj(), want: []string{"spec.ttlSecondsAfterFinished: Invalid value"}},
		{
			name: "status pipelineSpec not validated on create",
			obj: func() *ml.PipelineRun {
				r := run().Obj()
				r.Status.PipelineSpec = &ml.PipelineSpec{}
				return r
			}(),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, tc.want, validation.ValidatePipelineRun(tc.obj, opts))
		})
	}
}

func TestValidatePipelineRunInlineSpec(t *testing.T) {
	cases := []struct {
		name string
		obj  *ml.PipelineRun
		want []string
	}{
		{name: "required param given", obj: run().PipelineSpec(inlineSpec()).Param("n", "3").Obj()},
		{name: "every param given", obj: run().PipelineSpec(inlineSpec()).Param("n", "3").Param("mode", "slow").Param("lrs", `["1","2"]`).Obj()},
		{name: "required param missing", obj: run().PipelineSpec(inlineSpec()).Param("mode", "slow").Obj(), want: []string{"spec.params: Required value"}},
		{name: "undeclared param", obj: run().PipelineSpec(inlineSpec()).Param("n", "3").Param("epochs", "3").Obj(), want: []string{"spec.params[1].name: Invalid value"}},
		{name: "int param not an int", obj: run().PipelineSpec(inlineSpec()).Param("n", "three").Obj(), want: []string{"spec.params[0].value: Invalid value"}},
		{name: "list param not a list", obj: run().PipelineSpec(inlineSpec()).Param("n", "3").Param("lrs", "0.1").Obj(), want: []string{"spec.params[1].value: Invalid value"}},
		{name: "inline spec needs tasks", obj: run().PipelineSpec(&ml.PipelineSpec{}).Obj(), want: []string{"spec.pipelineSpec.tasks: Required value"}},
		{
			name: "inline spec errors under spec.pipelineSpec",
			obj:  run().PipelineSpec(inlineSpec(task("a").Args("$(params.epochs)").Obj())).Param("n", "1").Obj(),
			want: []string{"spec.pipelineSpec.tasks[0].args[0]: Invalid value"},
		},
		{
			name: "inline spec cycle",
			obj:  run().PipelineSpec(inlineSpec(task("a").DependsOn("b").Obj(), task("b").DependsOn("a").Obj())).Param("n", "1").Obj(),
			want: []string{"spec.pipelineSpec.tasks: Invalid value"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, tc.want, validation.ValidatePipelineRun(tc.obj, opts))
		})
	}
}

func TestValidatePipelineRunUpdate(t *testing.T) {
	base := func() *mltesting.PipelineRunWrapper {
		return run().Param("n", "1").ResourceVersion("1")
	}
	old := base().Obj()
	canceled := base().Cancel(true).Obj()
	cases := []struct {
		name string
		obj  *ml.PipelineRun
		old  *ml.PipelineRun
		want []string
	}{
		{name: "unchanged", obj: base().Obj(), old: old},
		{
			name: "mutable fields",
			obj:  base().Suspend(true).Cancel(true).Parallelism(2).ActiveDeadlineSeconds(60).TTLSecondsAfterFinished(10).Obj(),
			old:  old,
		},
		{name: "new values validated", obj: base().Parallelism(0).Obj(), old: old, want: []string{"spec.parallelism: Invalid value"}},
		{name: "pipelineRef immutable", obj: base().PipelineRef("other").Obj(), old: old, want: []string{"spec.pipelineRef: Invalid value"}},
		{
			name: "pipelineSpec immutable",
			obj:  base().PipelineSpec(inlineSpec()).Obj(),
			old:  base().PipelineSpec(inlineSpec(task("b").Args("$(params.n)").Obj())).Obj(),
			want: []string{"spec.pipelineSpec: Invalid value"},
		},
		{name: "params immutable", obj: base().Param("mode", "x").Obj(), old: old, want: []string{"spec.params: Invalid value"}},
		{name: "failFast immutable", obj: base().FailFast(true).Obj(), old: old, want: []string{"spec.failFast: Invalid value"}},
		{name: "cancel stays set", obj: base().Cancel(true).Obj(), old: canceled},
		{name: "cancel cannot be undone", obj: base().Obj(), old: canceled, want: []string{"spec.cancel: Forbidden"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, tc.want, validation.ValidatePipelineRunUpdate(tc.obj, tc.old, opts))
		})
	}
}
