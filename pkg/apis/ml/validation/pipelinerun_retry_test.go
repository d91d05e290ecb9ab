package validation_test

import (
	"testing"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

func TestValidatePipelineRunRetryOf(t *testing.T) {
	retry := func() *mltesting.PipelineRunWrapper { return mltesting.MakePipelineRun("r-retry", "ns").RetryOf("r") }
	cases := []struct {
		name string
		obj  *ml.PipelineRun
		want []string
	}{
		{name: "retryOf alone", obj: retry().Obj()},
		{name: "retryOf name empty", obj: retry().RetryOf("").Obj(), want: []string{"spec.retryOf.name: Required value"}},
		{name: "retryOf name not a DNS subdomain", obj: retry().RetryOf("Run_1").Obj(), want: []string{"spec.retryOf.name: Invalid value"}},
		{name: "with pipelineRef", obj: retry().Obj(), want: []string{"spec.pipelineRef: Forbidden"}},
		{
			name: "with pipelineSpec",
			obj: func() *ml.PipelineRun {
				r := retry().Obj()
				r.Spec.PipelineSpec = pipeline(task("a").Obj()).Spec()
				return r
			}(),
			want: []string{"spec.pipelineSpec: Forbidden"},
		},
		{name: "with params", obj: retry().Param("n", "3").Obj(), want: []string{"spec.params: Forbidden"}},
		{name: "with parallelism", obj: retry().Parallelism(2).Obj()},
	}
	cases[3].obj.Spec.PipelineRef = &ml.LocalObjectReference{Name: "train"}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, tc.want, validation.ValidatePipelineRun(tc.obj, opts))
		})
	}
}

func TestValidatePipelineRunUpdateRetryOf(t *testing.T) {
	old := mltesting.MakePipelineRun("r-retry", "ns").RetryOf("r").ResourceVersion("1").Obj()
	changed := old.DeepCopy()
	changed.Spec.RetryOf.Name = "other"
	checkErrors(t, []string{"spec.retryOf: Invalid value"}, validation.ValidatePipelineRunUpdate(changed, old, opts))
}
