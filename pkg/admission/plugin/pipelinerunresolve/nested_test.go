package pipelinerunresolve

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime"

	"ml.example.io/ml-apiserver/pkg/admission/admissiontest"
	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/nested"
)

func TestAdmitNested(t *testing.T) {
	versioned := func(p *ml.Pipeline) runtime.Object { return admissiontest.Versioned(t, p, &mlv1alpha1.Pipeline{}) }
	fit := mltesting.MakePipeline("fit", ns).
		Params(mltesting.MakeParamSpec("lr").Obj()).
		Tasks(mltesting.MakeTask("train").Args("--lr=$(params.lr)").Outputs("model").Obj()).
		Output("model", "$(tasks.train.outputs.model)").Obj()
	twice := mltesting.MakePipeline("twice", ns).Tasks(
		mltesting.MakeNestedTask("a", "fit").Param("lr", "0.1").Outputs("model").Obj(),
		mltesting.MakeNestedTask("b", "fit").Param("lr", "0.01").Outputs("model").Obj(),
		mltesting.MakeTask("pick").Args("$(tasks.a.outputs.model)", "$(tasks.b.outputs.model)").Obj(),
	).Obj()
	expanded := []ml.PipelineTask{
		mltesting.MakeTask("a.train").Args("--lr=0.1").Outputs("model").Obj(),
		mltesting.MakeTask("b.train").Args("--lr=0.01").Outputs("model").Obj(),
		mltesting.MakeTask("pick").Args("$(tasks.a.train.outputs.model)", "$(tasks.b.train.outputs.model)").Obj(),
	}
	loop := func(name, ref string) *ml.Pipeline {
		return mltesting.MakePipeline(name, ns).Tasks(mltesting.MakeNestedTask("run-"+ref, ref).Obj()).Obj()
	}
	tests := map[string]struct {
		run       *ml.PipelineRun
		cached    []runtime.Object
		live      []runtime.Object
		limits    *nested.Limits
		wantTasks []ml.PipelineTask
		wantCode  int32
		wantErr   []string
	}{
		"ref: a pipeline using another twice": {
			run:       mltesting.MakePipelineRun("r", ns).PipelineRef("twice").Obj(),
			cached:    []runtime.Object{versioned(fit), versioned(twice)},
			wantTasks: expanded,
		},
		"inline: a pipeline the informer has not seen yet is read live": {
			run:       mltesting.MakePipelineRun("r", ns).PipelineSpec(&twice.Spec).Obj(),
			live:      []runtime.Object{versioned(fit)},
			wantTasks: expanded,
		},
		"ref: a cycle across two pipelines names both": {
			run:      mltesting.MakePipelineRun("r", ns).PipelineRef("ping").Obj(),
			cached:   []runtime.Object{versioned(loop("ping", "pong")), versioned(loop("pong", "ping"))},
			wantCode: 422,
			wantErr:  []string{"spec.pipelineRef.name", `task "run-ping" of Pipeline "pong" references Pipeline "ping"`, "cycle of pipelines: ping -> pong -> ping"},
		},
		"inline: a missing pipeline names the task and the pipeline": {
			run:      mltesting.MakePipelineRun("r", ns).PipelineSpec(&twice.Spec).Obj(),
			wantCode: 422,
			wantErr:  []string{"spec.pipelineSpec", `task "a" of the run's pipelineSpec: Pipeline "fit" does not exist in namespace "team-a"`},
		},
		"ref: deeper than the server's limit": {
			run:      mltesting.MakePipelineRun("r", ns).PipelineRef("twice").Obj(),
			cached:   []runtime.Object{versioned(fit), versioned(twice)},
			limits:   &nested.Limits{MaxDepth: 0, MaxTasks: 100},
			wantCode: 422,
			wantErr:  []string{"nests pipelines 1 deep, more than the limit of 0", "--max-pipeline-nesting-depth", "twice -> fit"},
		},
		"ref: more tasks than the server's limit": {
			run:      mltesting.MakePipelineRun("r", ns).PipelineRef("twice").Obj(),
			cached:   []runtime.Object{versioned(fit), versioned(twice)},
			limits:   &nested.Limits{MaxDepth: 5, MaxTasks: 2},
			wantCode: 422,
			wantErr:  []string{"more than the limit of 2", "--max-pipeline-tasks"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := newPlugin(t, true, tc.cached, tc.live)
			if tc.limits != nil {
				NestingInitializer(*tc.limits).Initialize(p)
			}
			a := admissiontest.Request{Resource: "pipelineruns", Kind: "PipelineRun", Name: tc.run.Name, Object: tc.run}.Attributes()
			err := p.Admit(t.Context(), a, nil)
			if tc.wantCode != 0 {
				checkErr(t, err, tc.wantCode, tc.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("Admit: %v", err)
			}
			if diff := cmp.Diff(tc.wantTasks, tc.run.Status.PipelineSpec.Tasks); diff != "" {
				t.Errorf("snapshot tasks (-want +got):\n%s", diff)
			}
			if tc.run.Spec.PipelineSpec != nil && tc.run.Spec.PipelineSpec.Tasks[0].PipelineRef == nil {
				t.Errorf("the run's own pipelineSpec was expanded: %+v", tc.run.Spec.PipelineSpec.Tasks)
			}
		})
	}
}
