package pipelinerunresolve

import (
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/admission"

	"ml.example.io/ml-apiserver/pkg/admission/admissiontest"
	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// A TuningJob's pipeline trial template is checked as its trials will be:
// bad templates are a 422 naming the field.
func TestValidateTuningJob(t *testing.T) {
	pipeline := admissiontest.Versioned(t, trainPipeline(), &mlv1alpha1.Pipeline{})
	tun := func(run *ml.PipelineRun, objectiveTask string) *ml.TuningJob {
		return mltesting.MakeTuningJob("search", ns).PipelineRun(run.Spec, objectiveTask).Obj()
	}
	ref := func() *mltesting.PipelineRunWrapper { return mltesting.MakePipelineRun("x", ns).PipelineRef("train") }
	tests := map[string]struct {
		tun     *ml.TuningJob
		wantErr []string
	}{
		"tuned params, of any declared type": {tun: tun(ref().Param("lr", "$(params.lr)").Param("epochs", "$(trial.budget)").Obj(), "fit")},
		"an inline pipeline":                 {tun: tun(mltesting.MakePipelineRun("x", ns).PipelineSpec(&trainPipeline().Spec).Param("epochs", "$(params.layers)").Obj(), "fit")},
		"no such pipeline": {tun: tun(mltesting.MakePipelineRun("x", ns).PipelineRef("nope").Obj(), ""),
			wantErr: []string{`spec.trialTemplate.pipelineRun.pipelineRef.name: Invalid value: "nope": Pipeline "nope" does not exist`}},
		"an undeclared param": {tun: tun(ref().Param("epochs", "3").Param("batch", "$(params.lr)").Obj(), ""),
			wantErr: []string{`spec.trialTemplate.pipelineRun.params[1].name: Invalid value: "batch": is not a parameter of the pipeline`}},
		"a required param not given": {tun: tun(ref().Param("lr", "$(params.lr)").Obj(), ""),
			wantErr: []string{`spec.trialTemplate.pipelineRun.params: Required value: parameter "epochs" has no default and must be given`}},
		"a literal value of the wrong type": {tun: tun(ref().Param("lr", "$(params.lr)").Param("epochs", "many").Obj(), ""),
			wantErr: []string{`spec.trialTemplate.pipelineRun.params[1].value: Invalid value: "many"`}},
		"a double parameter for an int param": {tun: tun(ref().Param("lr", "$(params.lr)").Param("epochs", "$(params.lr)").Obj(), ""),
			wantErr: []string{`spec.trialTemplate.pipelineRun.params[1].value: Invalid value: "$(params.lr)": parameter "epochs" of the pipeline is of type int, but the search gives lr fractional numbers (a double parameter)`}},
		"an int parameter for an int param": {tun: tun(ref().Param("epochs", "$(params.layers)").Obj(), "")},
		"categorical values for a float param": {tun: func() *ml.TuningJob {
			t := tun(ref().Param("lr", "$(params.opt)").Param("epochs", "3").Obj(), "")
			t.Spec.Parameters = append(t.Spec.Parameters, ml.TuningParameter{Name: "opt", Type: ml.ParameterCategorical, Values: []string{"0.1", "fast"}})
			return t
		}(), wantErr: []string{`spec.trialTemplate.pipelineRun.params[0].value: Invalid value: "$(params.opt)": parameter "lr" of the pipeline is of type float, but the search gives opt the value "fast", which must be a number`}},
		"an objective task not of the pipeline": {tun: tun(ref().Param("epochs", "$(params.layers)").Obj(), "evaluate"),
			wantErr: []string{`spec.trialTemplate.objectiveTask: Invalid value: "evaluate": not a task of the pipeline (its tasks: fit)`}},
	}
	// Tasks of nested pipelines are named <task>.<inner task>.
	outer := admissiontest.Versioned(t, mltesting.MakePipeline("outer", ns).
		Params(mltesting.MakeParamSpec("lr").Type(ml.ParamTypeFloat).Obj()).
		Tasks(mltesting.MakeNestedTask("train", "train").Param("lr", "$(params.lr)").Param("epochs", "3").Obj()).Obj(), &mlv1alpha1.Pipeline{})
	nestedInline := mltesting.MakePipelineRun("x", ns).PipelineSpec(mltesting.MakePipeline("", "").
		Tasks(mltesting.MakeNestedTask("train", "train").Param("epochs", "3").Obj()).Spec()).Obj()
	tests["an objective task of a nested pipeline"] = struct {
		tun     *ml.TuningJob
		wantErr []string
	}{tun: tun(mltesting.MakePipelineRun("x", ns).PipelineRef("outer").Param("lr", "$(params.lr)").Obj(), "train.fit")}
	tests["an inline pipeline's nested task"] = struct {
		tun     *ml.TuningJob
		wantErr []string
	}{tun: tun(nestedInline, "train.fit")}
	tests["the inner name of a nested task"] = struct {
		tun     *ml.TuningJob
		wantErr []string
	}{tun: tun(mltesting.MakePipelineRun("x", ns).PipelineRef("outer").Param("lr", "$(params.lr)").Obj(), "fit"),
		wantErr: []string{`spec.trialTemplate.objectiveTask: Invalid value: "fit": not a task of the pipeline (its tasks: train.fit)`}}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := newPlugin(t, true, []runtime.Object{pipeline, outer}, nil)
			a := admissiontest.Request{Resource: "tuningjobs", Kind: "TuningJob", Name: tc.tun.Name, Object: tc.tun}.Attributes()
			err := p.Validate(t.Context(), a, nil)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			checkErr(t, err, 422, tc.wantErr)
		})
	}

	// Updates and TrainingJob templates are not its business.
	p := newPlugin(t, true, nil, nil)
	for name, req := range map[string]admissiontest.Request{
		"update": {Operation: admission.Update, Resource: "tuningjobs", Kind: "TuningJob",
			Object: tun(mltesting.MakePipelineRun("x", ns).PipelineRef("nope").Obj(), ""), Old: tun(mltesting.MakePipelineRun("x", ns).PipelineRef("nope").Obj(), "")},
		"training job trials": {Resource: "tuningjobs", Kind: "TuningJob", Object: mltesting.MakeTuningJob("search", ns).Obj()},
	} {
		t.Run(name, func(t *testing.T) {
			if err := p.Validate(t.Context(), req.Attributes(), nil); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}
