package nested

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
)

// expander reads pipelines from a map.
func expander(limits Limits, pipelines ...*ml.Pipeline) *Expander {
	byName := map[string]*ml.PipelineSpec{}
	for _, p := range pipelines {
		byName[p.Name] = &p.Spec
	}
	return &Expander{Namespace: "team-a", Limits: limits, Get: func(name string) (*ml.PipelineSpec, bool, error) {
		spec, ok := byName[name]
		if !ok {
			return nil, false, nil
		}
		return spec.DeepCopy(), true, nil
	}}
}

// trainPipeline prepares data and fits a model with a learning rate.
func trainPipeline() *ml.Pipeline {
	return mltesting.MakePipeline("train", "team-a").
		Params(mltesting.MakeParamSpec("lr").Default("0.1").Obj(), mltesting.MakeParamSpec("data").Obj()).
		Tasks(
			mltesting.MakeTask("prep").Args("--src=$(params.data)").Outputs("split").Obj(),
			mltesting.MakeTask("fit").Args("--lr=$(params.lr)", "--split=$(tasks.prep.outputs.split)").Outputs("model").Obj(),
		).
		Output("model", "$(tasks.fit.outputs.model)").Obj()
}

func TestExpandTwiceWithDifferentParams(t *testing.T) {
	outer := mltesting.MakePipeline("sweep", "team-a").
		Params(mltesting.MakeParamSpec("lr-b").Default("0.01").Obj()).
		Tasks(
			mltesting.MakeTask("fetch").Outputs("uri").Obj(),
			mltesting.MakeNestedTask("a", "train").Param("data", "$(tasks.fetch.outputs.uri)").Outputs("model").Obj(),
			mltesting.MakeNestedTask("b", "train").Param("data", "s3://fixed").Param("lr", "$(params.lr-b)").
				DependsOn("fetch").Outputs("model").Obj(),
			mltesting.MakeTask("pick").Args("$(tasks.a.outputs.model)", "$(tasks.b.outputs.model)").Obj(),
			mltesting.MakeTask("report").DependsOn("a").Obj(),
		).Obj()
	got, errs := expander(DefaultLimits(), trainPipeline()).Expand(&outer.Spec, "sweep", field.NewPath("spec", "pipelineRef", "name"))
	if len(errs) > 0 {
		t.Fatalf("Expand: %v", errs)
	}
	want := []ml.PipelineTask{
		mltesting.MakeTask("fetch").Outputs("uri").Obj(),
		// a's data is the outer task's output: its reader depends on it.
		mltesting.MakeTask("a.prep").Args("--src=$(tasks.fetch.outputs.uri)").Outputs("split").Obj(),
		mltesting.MakeTask("a.fit").Args("--lr=0.1", "--split=$(tasks.a.prep.outputs.split)").Outputs("model").Obj(),
		// b's dependsOn reaches its first task; its lr is the outer param.
		mltesting.MakeTask("b.prep").Args("--src=s3://fixed").Outputs("split").DependsOn("fetch").Obj(),
		mltesting.MakeTask("b.fit").Args("--lr=$(params.lr-b)", "--split=$(tasks.b.prep.outputs.split)").Outputs("model").Obj(),
		mltesting.MakeTask("pick").Args("$(tasks.a.fit.outputs.model)", "$(tasks.b.fit.outputs.model)").Obj(),
		// dependsOn a nested task waits for the tasks that finish it.
		mltesting.MakeTask("report").DependsOn("a.fit").Obj(),
	}
	if diff := cmp.Diff(want, got.Tasks); diff != "" {
		t.Errorf("tasks (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(outer.Spec.Params, got.Params); diff != "" {
		t.Errorf("params (-want +got):\n%s", diff)
	}
	if outer.Spec.Tasks[1].PipelineRef == nil || len(outer.Spec.Tasks) != 5 {
		t.Errorf("Expand changed its argument: %+v", outer.Spec.Tasks)
	}
}

func TestExpandTwoLevels(t *testing.T) {
	// eval runs train and checks its model; the run's pipeline runs eval
	// and gates the whole of it with a when condition and retries.
	eval := mltesting.MakePipeline("eval", "team-a").
		Params(mltesting.MakeParamSpec("dataset").Obj()).
		Tasks(
			mltesting.MakeNestedTask("t", "train").Param("data", "$(params.dataset)/train").Outputs("model").Obj(),
			mltesting.MakeTask("check").Args("$(tasks.t.outputs.model)").Outputs("score").Obj(),
		).
		Output("score", "$(tasks.check.outputs.score)").Obj()
	top := mltesting.MakePipeline("", "").
		Params(mltesting.MakeParamSpec("mode").Default("full").Obj()).
		Tasks(
			mltesting.MakeTask("gate").Outputs("go").Obj(),
			mltesting.MakeNestedTask("e", "eval").Param("dataset", "s3://d").Outputs("score").
				When("$(tasks.gate.outputs.go)", ml.WhenOperatorIn, "yes").Retries(2).Cache(false).Obj(),
		).
		Finally(mltesting.MakeTask("notify").Args("$(tasks.e.outputs.score)").Obj()).
		Output("score", "$(tasks.e.outputs.score)").Spec()
	got, errs := expander(DefaultLimits(), trainPipeline(), eval).Expand(top, "", field.NewPath("spec", "pipelineSpec"))
	if len(errs) > 0 {
		t.Fatalf("Expand: %v", errs)
	}
	gated := func(w *mltesting.TaskWrapper) ml.PipelineTask {
		return w.When("$(tasks.gate.outputs.go)", ml.WhenOperatorIn, "yes").Retries(2).Cache(false).Obj()
	}
	want := []ml.PipelineTask{
		mltesting.MakeTask("gate").Outputs("go").Obj(),
		gated(mltesting.MakeTask("e.t.prep").Args("--src=s3://d/train").Outputs("split").DependsOn("gate")),
		gated(mltesting.MakeTask("e.t.fit").Args("--lr=0.1", "--split=$(tasks.e.t.prep.outputs.split)").Outputs("model")),
		gated(mltesting.MakeTask("e.check").Args("$(tasks.e.t.fit.outputs.model)").Outputs("score")),
	}
	if diff := cmp.Diff(want, got.Tasks); diff != "" {
		t.Errorf("tasks (-want +got):\n%s", diff)
	}
	wantFinally := []ml.PipelineTask{mltesting.MakeTask("notify").Args("$(tasks.e.check.outputs.score)").Obj()}
	if diff := cmp.Diff(wantFinally, got.Finally); diff != "" {
		t.Errorf("finally (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]ml.PipelineOutput{{Name: "score", Value: "$(tasks.e.check.outputs.score)"}}, got.Outputs); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
}

func TestExpandDefaultsAndLists(t *testing.T) {
	inner := mltesting.MakePipeline("fan", "team-a").
		Params(
			mltesting.MakeParamSpec("shards").Type(ml.ParamTypeList).Default(`["x","y"]`).Obj(),
			mltesting.MakeParamSpec("price").Default("$5").Obj(),
		).
		Tasks(mltesting.MakeTask("work").Args("$(item)", "$(params.price)").ForEachFrom("$(params.shards)").Obj()).Obj()
	top := mltesting.MakePipeline("", "").Tasks(
		mltesting.MakeNestedTask("d", "fan").Obj(),
		mltesting.MakeNestedTask("g", "fan").Param("shards", `["a"]`).Obj(),
	).Spec()
	got, errs := expander(DefaultLimits(), inner).Expand(top, "", field.NewPath("spec", "pipelineSpec"))
	if len(errs) > 0 {
		t.Fatalf("Expand: %v", errs)
	}
	want := []ml.PipelineTask{
		// A default is taken as written: "$" is escaped for Kubernetes.
		mltesting.MakeTask("d.work").Args("$(item)", "$$5").ForEachFrom(`["x","y"]`).Obj(),
		mltesting.MakeTask("g.work").Args("$(item)", "$$5").ForEachFrom(`["a"]`).Obj(),
	}
	if diff := cmp.Diff(want, got.Tasks); diff != "" {
		t.Errorf("tasks (-want +got):\n%s", diff)
	}
}

func TestExpandWithoutNestedTasks(t *testing.T) {
	spec := mltesting.MakePipeline("", "").Tasks(mltesting.MakeTask("a").Obj(), mltesting.MakeTask("b").Obj()).Spec()
	got, errs := expander(DefaultLimits()).Expand(spec, "", field.NewPath("spec", "pipelineSpec"))
	if len(errs) > 0 || got != spec {
		t.Errorf("Expand of a spec without nested tasks = %v, %v; want it unchanged", got, errs)
	}
	_, errs = expander(Limits{MaxDepth: 5, MaxTasks: 1}).Expand(spec, "", field.NewPath("spec", "pipelineSpec"))
	checkErrs(t, errs, "spec.pipelineSpec", "the run would have 2 tasks", "limit of 1", "--max-pipeline-tasks")
}

func TestExpandErrors(t *testing.T) {
	nest := func(name, ref string) *ml.Pipeline {
		return mltesting.MakePipeline(name, "team-a").Tasks(mltesting.MakeNestedTask("use-"+ref, ref).Obj()).Obj()
	}
	leaf := mltesting.MakePipeline("leaf", "team-a").Tasks(mltesting.MakeTask("x").Obj()).Obj()
	refPath := field.NewPath("spec", "pipelineRef", "name")
	tests := map[string]struct {
		root      *ml.Pipeline
		pipelines []*ml.Pipeline
		limits    Limits
		want      []string
	}{
		"a cycle across two pipelines names both": {
			root:      nest("a", "b"),
			pipelines: []*ml.Pipeline{nest("b", "a")},
			want:      []string{`task "use-a" of Pipeline "b" references Pipeline "a"`, "cycle of pipelines: a -> b -> a"},
		},
		"a pipeline running itself": {
			root: nest("a", "a"),
			want: []string{"cycle of pipelines: a -> a"},
		},
		"a cycle below the run's pipeline": {
			root:      nest("top", "a"),
			pipelines: []*ml.Pipeline{nest("a", "b"), nest("b", "a")},
			want:      []string{"cycle of pipelines: a -> b -> a"},
		},
		"nesting deeper than the limit": {
			root:      nest("p1", "p2"),
			pipelines: []*ml.Pipeline{nest("p2", "p3"), nest("p3", "leaf"), leaf},
			limits:    Limits{MaxDepth: 2, MaxTasks: 100},
			want:      []string{`task "use-leaf" of Pipeline "p3" nests pipelines 3 deep, more than the limit of 2`, "--max-pipeline-nesting-depth", "p1 -> p2 -> p3 -> leaf"},
		},
		"a missing pipeline names the task and the pipeline": {
			root: nest("a", "gone"),
			want: []string{`task "use-gone" of Pipeline "a": Pipeline "gone" does not exist in namespace "team-a"`},
		},
		"a param the pipeline does not take": {
			root: mltesting.MakePipeline("a", "team-a").Tasks(
				mltesting.MakeNestedTask("t", "train").Param("data", "d").Param("momentum", "0.9").Obj()).Obj(),
			pipelines: []*ml.Pipeline{trainPipeline()},
			want:      []string{`task "t" of Pipeline "a": param "momentum" is not a parameter of Pipeline "train"`},
		},
		"a required param not given": {
			root:      mltesting.MakePipeline("a", "team-a").Tasks(mltesting.MakeNestedTask("t", "train").Obj()).Obj(),
			pipelines: []*ml.Pipeline{trainPipeline()},
			want:      []string{`parameter "data" of Pipeline "train" has no default and must be given`},
		},
		"a literal param of the wrong type": {
			root: mltesting.MakePipeline("a", "team-a").Tasks(mltesting.MakeNestedTask("t", "typed").Param("n", "many").Obj()).Obj(),
			pipelines: []*ml.Pipeline{mltesting.MakePipeline("typed", "team-a").
				Params(mltesting.MakeParamSpec("n").Type(ml.ParamTypeInt).Obj()).Tasks(mltesting.MakeTask("x").Obj()).Obj()},
			want: []string{`param "n" of Pipeline "typed" is of type int`},
		},
		"an output the pipeline does not declare": {
			root: mltesting.MakePipeline("a", "team-a").Tasks(
				mltesting.MakeNestedTask("t", "train").Param("data", "d").Outputs("metrics").Obj()).Obj(),
			pipelines: []*ml.Pipeline{trainPipeline()},
			want:      []string{`task "t" of Pipeline "a" declares output "metrics", which Pipeline "train" does not declare in spec.outputs`},
		},
		"a pipeline with finally tasks": {
			root: nest("a", "fin"),
			pipelines: []*ml.Pipeline{mltesting.MakePipeline("fin", "team-a").Tasks(mltesting.MakeTask("x").Obj()).
				Finally(mltesting.MakeTask("y").Obj()).Obj()},
			want: []string{`Pipeline "fin" has finally tasks`},
		},
		"a CEL condition in a nested pipeline": {
			root: nest("a", "cel"),
			pipelines: []*ml.Pipeline{mltesting.MakePipeline("cel", "team-a").Tasks(
				mltesting.MakeTask("x").Outputs("o").Obj(),
				mltesting.MakeTask("y").WhenCEL("tasks.x.outputs.o == 'a'").Obj()).Obj()},
			want: []string{`task "y" of Pipeline "cel" has a CEL when condition`},
		},
		"a CEL condition reading a nested task's output": {
			root: mltesting.MakePipeline("a", "team-a").Tasks(
				mltesting.MakeNestedTask("t", "train").Param("data", "d").Outputs("model").Obj(),
				mltesting.MakeTask("y").WhenCEL("tasks.t.outputs.model != ''").Obj()).Obj(),
			pipelines: []*ml.Pipeline{trainPipeline()},
			want:      []string{`task "y" of Pipeline "a"`, "reads tasks.t.outputs.model, an output of a task that runs a pipeline"},
		},
		"more tasks than the limit once expanded": {
			root: mltesting.MakePipeline("a", "team-a").Tasks(
				mltesting.MakeNestedTask("t1", "train").Param("data", "d").Obj(),
				mltesting.MakeNestedTask("t2", "train").Param("data", "d").Obj()).Obj(),
			pipelines: []*ml.Pipeline{trainPipeline()},
			limits:    Limits{MaxDepth: 5, MaxTasks: 3},
			want:      []string{"the run would have 4 tasks once nested pipelines are expanded, more than the limit of 3", "--max-pipeline-tasks"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			limits := tc.limits
			if limits == (Limits{}) {
				limits = DefaultLimits()
			}
			e := expander(limits, append(tc.pipelines, tc.root)...)
			_, errs := e.Expand(&tc.root.Spec, tc.root.Name, refPath)
			checkErrs(t, errs, append([]string{"spec.pipelineRef.name"}, tc.want...)...)
		})
	}
}

func checkErrs(t *testing.T, errs field.ErrorList, want ...string) {
	t.Helper()
	if len(errs) != 1 {
		t.Fatalf("got %d errors %v, want 1", len(errs), errs)
	}
	for _, w := range want {
		if !strings.Contains(errs[0].Error(), w) {
			t.Errorf("error %q does not contain %q", errs[0].Error(), w)
		}
	}
}
