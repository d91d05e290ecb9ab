package validation_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

func TestDependenciesOf(t *testing.T) {
	cases := []struct {
		name string
		task ml.PipelineTask
		want []string
	}{
		{name: "none", task: mltesting.MakeTask("a").Args("--lr", "$(params.lr)").Obj()},
		{name: "dependsOn only", task: mltesting.MakeTask("c").DependsOn("a", "b").Obj(), want: []string{"a", "b"}},
		{
			name: "references in every field, deduplicated in order of first appearance",
			task: mltesting.MakeTask("t").
				DependsOn("b").
				Command("$(tasks.c.outputs.bin)").
				Args("$(tasks.b.outputs.x)", "$(tasks.d.outputs.y)").
				Env("DATA", "$(tasks.e.outputs.path)").
				When("$(tasks.f.outputs.ok)", ml.WhenOperatorIn, "true").
				ForEachFrom("$(tasks.g.outputs.list)").
				Obj(),
			want: []string{"b", "c", "d", "e", "f", "g"},
		},
		{name: "escaped reference is not a dependency", task: mltesting.MakeTask("t").Args("$$(tasks.a.outputs.x)").Obj()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, validation.DependenciesOf(tc.task)); diff != "" {
				t.Errorf("DependenciesOf() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFindCycle(t *testing.T) {
	task := mltesting.MakeTask
	cases := []struct {
		name  string
		tasks []ml.PipelineTask
		want  []string
	}{
		{
			name:  "chain",
			tasks: []ml.PipelineTask{task("a").Obj(), task("b").DependsOn("a").Obj(), task("c").DependsOn("b").Obj()},
		},
		{
			name: "diamond",
			tasks: []ml.PipelineTask{
				task("a").Outputs("x").Obj(),
				task("b").DependsOn("a").Obj(),
				task("c").Args("$(tasks.a.outputs.x)").Obj(),
				task("d").DependsOn("b", "c").Obj(),
			},
		},
		{
			name:  "two tasks",
			tasks: []ml.PipelineTask{task("a").DependsOn("b").Obj(), task("b").DependsOn("a").Obj()},
			want:  []string{"a", "b", "a"},
		},
		{
			name: "three tasks",
			tasks: []ml.PipelineTask{
				task("a").DependsOn("b").Obj(),
				task("b").DependsOn("c").Obj(),
				task("c").DependsOn("a").Obj(),
			},
			want: []string{"a", "b", "c", "a"},
		},
		{
			name: "cycle reached from an earlier task is reported from where it closes",
			tasks: []ml.PipelineTask{
				task("start").DependsOn("x").Obj(),
				task("x").DependsOn("y").Obj(),
				task("y").DependsOn("z").Obj(),
				task("z").DependsOn("x").Obj(),
			},
			want: []string{"x", "y", "z", "x"},
		},
		{
			name: "implicit through output references",
			tasks: []ml.PipelineTask{
				task("a").Outputs("x").Args("$(tasks.b.outputs.y)").Obj(),
				task("b").Outputs("y").Env("X", "$(tasks.a.outputs.x)").Obj(),
			},
			want: []string{"a", "b", "a"},
		},
		{name: "self", tasks: []ml.PipelineTask{task("a").DependsOn("a").Obj()}, want: []string{"a", "a"}},
		{
			name:  "unknown dependencies are ignored",
			tasks: []ml.PipelineTask{task("a").DependsOn("missing").Obj()},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, validation.FindCycle(tc.tasks)); diff != "" {
				t.Errorf("FindCycle() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidatePipelineCycles(t *testing.T) {
	cases := []struct {
		name  string
		tasks []ml.PipelineTask
		want  []string
	}{
		{
			name: "diamond",
			tasks: []ml.PipelineTask{
				task("a").Outputs("x").Obj(),
				task("b").DependsOn("a").Obj(),
				task("c").Args("$(tasks.a.outputs.x)").Obj(),
				task("d").DependsOn("b", "c").Obj(),
			},
		},
		{
			name:  "two tasks",
			tasks: []ml.PipelineTask{task("a").DependsOn("b").Obj(), task("b").DependsOn("a").Obj()},
			want:  []string{"spec.tasks: Invalid value: dependency cycle: a -> b -> a"},
		},
		{
			name: "three tasks",
			tasks: []ml.PipelineTask{
				task("a").DependsOn("b").Obj(),
				task("b").DependsOn("c").Obj(),
				task("c").DependsOn("a").Obj(),
			},
			want: []string{"spec.tasks: Invalid value: dependency cycle: a -> b -> c -> a"},
		},
		{
			name: "three tasks listed in another order",
			tasks: []ml.PipelineTask{
				task("c").DependsOn("a").Obj(),
				task("b").DependsOn("c").Obj(),
				task("a").DependsOn("b").Obj(),
			},
			want: []string{"spec.tasks: Invalid value: dependency cycle: c -> a -> b -> c"},
		},
		{
			name: "implicit through output references",
			tasks: []ml.PipelineTask{
				task("a").Outputs("x").When("$(tasks.b.outputs.y)", ml.WhenOperatorIn, "go").Obj(),
				task("b").Outputs("y").Args("$(tasks.a.outputs.x)").Obj(),
			},
			want: []string{"spec.tasks: Invalid value: dependency cycle: a -> b -> a"},
		},
		{
			name: "explicit and implicit",
			tasks: []ml.PipelineTask{
				task("a").DependsOn("c").Obj(),
				task("b").DependsOn("a").Outputs("y").Obj(),
				task("c").ForEachFrom("$(tasks.b.outputs.y)").Obj(),
			},
			want: []string{"spec.tasks: Invalid value: dependency cycle: a -> c -> b -> a"},
		},
		{
			name: "only the first of two cycles",
			tasks: []ml.PipelineTask{
				task("a").DependsOn("b").Obj(), task("b").DependsOn("a").Obj(),
				task("c").DependsOn("d").Obj(), task("d").DependsOn("c").Obj(),
			},
			want: []string{"spec.tasks: Invalid value: dependency cycle: a -> b -> a"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkMessages(t, tc.want, validation.ValidatePipeline(pipeline(tc.tasks...).Obj(), opts))
		})
	}
}
