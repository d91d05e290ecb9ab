package validation_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

func TestParseVariables(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []validation.Variable
	}{
		{name: "no variables", in: "python train.py --lr 0.1"},
		{
			name: "param",
			in:   "--lr=$(params.lr)",
			want: []validation.Variable{{Kind: validation.VariableParam, Text: "$(params.lr)", Start: 5, End: 17, Name: "lr"}},
		},
		{
			name: "task output and item",
			in:   "$(tasks.prep.outputs.path)/$(item)",
			want: []validation.Variable{
				{Kind: validation.VariableTaskOutput, Text: "$(tasks.prep.outputs.path)", Start: 0, End: 26, Task: "prep", Output: "path"},
				{Kind: validation.VariableItem, Text: "$(item)", Start: 27, End: 34},
			},
		},
		{
			name: "output of a nested pipeline's task, as a snapshot names it",
			in:   "$(tasks.train-a.fit.outputs.model) $(tasks.a..outputs.x)",
			want: []validation.Variable{
				{Kind: validation.VariableTaskOutput, Text: "$(tasks.train-a.fit.outputs.model)", Start: 0, End: 34, Task: "train-a.fit", Output: "model"},
				{Kind: validation.VariableUnknown, Text: "$(tasks.a..outputs.x)", Start: 35, End: 56},
			},
		},
		{
			name: "run status",
			in:   "status=$(run.status)",
			want: []validation.Variable{{Kind: validation.VariableRunStatus, Text: "$(run.status)", Start: 7, End: 20}},
		},
		{name: "escaped", in: "now=$$(date) and $$$$(params.x)"},
		{
			name: "escaped dollar before a variable",
			in:   "$$$(params.x)",
			want: []validation.Variable{{Kind: validation.VariableParam, Text: "$(params.x)", Start: 2, End: 13, Name: "x"}},
		},
		{name: "dollar alone", in: "cost: 5$ or $HOME or ${HOME}"},
		{
			name: "unknown forms",
			in:   "$(date) $(params.) $(params.a.b) $(tasks.a.results.b) $(tasks.a.outputs)",
			want: []validation.Variable{
				{Kind: validation.VariableUnknown, Text: "$(date)", Start: 0, End: 7},
				{Kind: validation.VariableUnknown, Text: "$(params.)", Start: 8, End: 18},
				{Kind: validation.VariableUnknown, Text: "$(params.a.b)", Start: 19, End: 32},
				{Kind: validation.VariableUnknown, Text: "$(tasks.a.results.b)", Start: 33, End: 53},
				{Kind: validation.VariableUnknown, Text: "$(tasks.a.outputs)", Start: 54, End: 72},
			},
		},
		{
			name: "unterminated",
			in:   "x $(params.lr",
			want: []validation.Variable{{Kind: validation.VariableUnknown, Text: "$(params.lr", Start: 2, End: 13}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := validation.ParseVariables(tc.in)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseVariables(%q) (-want +got):\n%s", tc.in, diff)
			}
			for _, v := range got {
				if tc.in[v.Start:v.End] != v.Text {
					t.Errorf("offsets [%d:%d] of %q select %q", v.Start, v.End, v.Text, tc.in[v.Start:v.End])
				}
			}
		})
	}
}

func TestValidatePipelineVariables(t *testing.T) {
	producer := task("prep").Outputs("path").Obj()
	cases := []struct {
		name    string
		tasks   []ml.PipelineTask
		finally []ml.PipelineTask
		want    []string
	}{
		{
			name: "output references in every field",
			tasks: []ml.PipelineTask{producer, task("train").
				Command("$(tasks.prep.outputs.path)/run").
				Args("--data=$(tasks.prep.outputs.path)").
				Env("DATA", "$(tasks.prep.outputs.path)").
				When("$(tasks.prep.outputs.path)", ml.WhenOperatorNotIn, "").
				Obj()},
		},
		{name: "unknown task", tasks: []ml.PipelineTask{producer, task("t").Args("$(tasks.nope.outputs.path)").Obj()}, want: []string{"spec.tasks[1].args[0]: Invalid value"}},
		{name: "undeclared output", tasks: []ml.PipelineTask{producer, task("t").Command("$(tasks.prep.outputs.model)").Obj()}, want: []string{"spec.tasks[1].command[0]: Invalid value"}},
		{name: "own output", tasks: []ml.PipelineTask{task("t").Outputs("x").Env("X", "$(tasks.t.outputs.x)").Obj()}, want: []string{"spec.tasks[0].env[0].value: Invalid value"}},
		{
			name:    "finally reads a task's output",
			tasks:   []ml.PipelineTask{producer},
			finally: []ml.PipelineTask{task("report").Args("$(tasks.prep.outputs.path)").Obj()},
		},
		{
			name:    "task reads a finally task's output",
			tasks:   []ml.PipelineTask{task("t").Args("$(tasks.f.outputs.x)").Obj()},
			finally: []ml.PipelineTask{task("f").Outputs("x").Obj()},
			want:    []string{"spec.tasks[0].args[0]: Forbidden"},
		},
		{
			name:    "finally reads a finally task's output",
			tasks:   []ml.PipelineTask{producer},
			finally: []ml.PipelineTask{task("f").Outputs("x").Obj(), task("g").Args("$(tasks.f.outputs.x)").Obj()},
			want:    []string{"spec.finally[1].args[0]: Forbidden"},
		},
		{name: "declared param", tasks: []ml.PipelineTask{task("t").Args("--lr=$(params.lr)").Obj()}},
		{name: "undeclared param", tasks: []ml.PipelineTask{task("t").When("$(params.mode)", ml.WhenOperatorIn, "x").Obj()}, want: []string{"spec.tasks[0].when[0].input: Invalid value"}},
		{name: "item in a forEach task", tasks: []ml.PipelineTask{task("t").ForEachItems("a").Args("$(item)").Obj()}},
		{name: "item without forEach", tasks: []ml.PipelineTask{task("t").Args("$(item)").Obj()}, want: []string{"spec.tasks[0].args[0]: Forbidden"}},
		{
			name:    "run status in finally",
			tasks:   []ml.PipelineTask{producer},
			finally: []ml.PipelineTask{task("notify").Env("STATUS", "$(run.status)").When("$(run.status)", ml.WhenOperatorIn, "Failed").Obj()},
		},
		{name: "run status in a task", tasks: []ml.PipelineTask{task("t").Args("$(run.status)").Obj()}, want: []string{"spec.tasks[0].args[0]: Forbidden"}},
		{name: "unknown variable", tasks: []ml.PipelineTask{task("t").Args("$(date)").Obj()}, want: []string{"spec.tasks[0].args[0]: Invalid value"}},
		{name: "unterminated variable", tasks: []ml.PipelineTask{task("t").Args("$(params.lr").Obj()}, want: []string{"spec.tasks[0].args[0]: Invalid value"}},
		{name: "escaped variable", tasks: []ml.PipelineTask{task("t").Command("sh", "-c", "echo $$(date) $$(whatever.x)").Obj()}},
		{
			name:  "every bad variable of a string is reported",
			tasks: []ml.PipelineTask{task("t").Args("$(params.a) $(params.b)").Obj()},
			want:  []string{"spec.tasks[0].args[0]: Invalid value", "spec.tasks[0].args[0]: Invalid value"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := pipeline(tc.tasks...).Finally(tc.finally...).Params(param("lr").Default("0.1").Obj()).Obj()
			checkErrors(t, tc.want, validation.ValidatePipeline(obj, opts))
		})
	}
}
