package validation_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

// celPipeline is train (outputs accuracy, status) and deploy guarded by
// expr, with a param env.
func celPipeline(expr string) *ml.Pipeline {
	return pipeline(
		task("train").Outputs("accuracy", "status").Obj(),
		task("deploy").WhenCEL(expr).Obj(),
	).Params(param("env").Default("staging").Obj()).Obj()
}

func TestValidateWhenCEL(t *testing.T) {
	cases := []struct {
		name string
		expr string
		want []string
	}{
		{name: "numeric comparison", expr: "double(tasks.train.outputs.accuracy) > 0.9"},
		{name: "string functions", expr: "params.env.lowerAscii().startsWith('prod') && tasks.train.outputs.status.contains('ok')"},
		{name: "syntax error", expr: "double(tasks.train.outputs.accuracy) >", want: []string{"spec.tasks[1].when[0].cel: Invalid value"}},
		{name: "string compared with a number", expr: "tasks.train.outputs.accuracy > 0.9", want: []string{"spec.tasks[1].when[0].cel: Invalid value"}},
		{name: "not a bool", expr: "tasks.train.outputs.accuracy", want: []string{"spec.tasks[1].when[0].cel: Invalid value"}},
		{name: "undeclared output", expr: "tasks.train.outputs.loss == '0'", want: []string{"spec.tasks[1].when[0].cel: Invalid value"}},
		{name: "unknown task", expr: "tasks.tune.outputs.accuracy == '0'", want: []string{"spec.tasks[1].when[0].cel: Invalid value"}},
		{name: "own output", expr: "tasks.deploy.outputs.x == '0'", want: []string{"spec.tasks[1].when[0].cel: Invalid value"}},
		{name: "undeclared param", expr: "params.region == 'eu'", want: []string{"spec.tasks[1].when[0].cel: Invalid value"}},
		{name: "task chosen at run time", expr: "tasks[params.env].outputs.accuracy == '1'", want: []string{"spec.tasks[1].when[0].cel: Invalid value"}},
		{name: "over all tasks", expr: "tasks.all(t, t == 'train')", want: []string{"spec.tasks[1].when[0].cel: Invalid value"}},
		{
			name: "estimated cost over the limit",
			expr: "params.env.split(',').all(a, params.env.split(',').all(b, a + b != params.env))",
			want: []string{"spec.tasks[1].when[0].cel: Invalid value"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, tc.want, validation.ValidatePipeline(celPipeline(tc.expr), opts))
		})
	}
}

// A rejected condition's error names the task, the expression and why.
func TestValidateWhenCELMessages(t *testing.T) {
	syntax := validation.ValidatePipeline(celPipeline("double(tasks.train.outputs.accuracy) >"), opts)
	for _, want := range []string{`spec.tasks[1].when[0].cel: Invalid value: "double(tasks.train.outputs.accuracy) >"`, `task "deploy": compile:`, "Syntax error"} {
		if len(syntax) != 1 || !strings.Contains(syntax[0].Error(), want) {
			t.Errorf("syntax error: %v, want one error with %q", syntax, want)
		}
	}

	errs := validation.ValidatePipeline(celPipeline("params.env.split(',').all(a, params.env.split(',').all(b, a + b != params.env))"), opts)
	if len(errs) != 1 || !strings.Contains(errs[0].Detail, `task "deploy": estimated cost`) || !strings.Contains(errs[0].Detail, "exceeds the limit of 1000000 (the server's --max-when-cel-cost)") {
		t.Errorf("cost-limit breach: %v", errs)
	}
}

func TestValidateWhenCELAlone(t *testing.T) {
	p := celPipeline("params.env == 'prod'")
	p.Spec.Tasks[1].When[0].Input = "$(params.env)"
	checkErrors(t, []string{"spec.tasks[1].when[0]: Forbidden"}, validation.ValidatePipeline(p, opts))
}

// A task waits for the tasks its CEL conditions read, and a cycle through
// a condition is refused.
func TestWhenCELDependencies(t *testing.T) {
	p := celPipeline("double(tasks.train.outputs.accuracy) > 0.9 && params.env == 'prod'")
	if diff := cmp.Diff([]string{"train"}, validation.DependenciesOf(p.Spec.Tasks[1])); diff != "" {
		t.Errorf("dependencies (-want +got):\n%s", diff)
	}
	cyclic := pipeline(
		task("a").Outputs("x").WhenCEL("tasks.b.outputs.y == '1'").Obj(),
		task("b").Outputs("y").Args("$(tasks.a.outputs.x)").Obj(),
	).Obj()
	if diff := cmp.Diff([]string{"a", "b", "a"}, validation.FindCycle(cyclic.Spec.Tasks)); diff != "" {
		t.Errorf("cycle (-want +got):\n%s", diff)
	}
}

// Evaluation is held to the cost limit, whatever the sizes the estimate
// assumed: a param far longer than an output may be stops it.
func TestWhenCELRuntimeCostLimit(t *testing.T) {
	c, err := validation.CompileWhenCEL("params.env.contains(params.other)", 0)
	if err != nil {
		t.Fatal(err)
	}
	ok, err := c.Eval(context.Background(), map[string]string{"env": "production", "other": "prod"}, nil)
	if err != nil || !ok {
		t.Errorf("small values: %v, %v; want true", ok, err)
	}
	_, err = c.Eval(context.Background(), map[string]string{"env": strings.Repeat("a", 4<<20), "other": strings.Repeat("b", 1<<20)}, nil)
	if err == nil || !strings.Contains(err.Error(), "cost limit exceeded") {
		t.Errorf("huge values: error %v, want the cost limit exceeded", err)
	}
	var costErr *validation.WhenCELCostError
	if _, err := validation.CompileWhenCEL("params.env.contains(params.other)", 10); !errors.As(err, &costErr) {
		t.Errorf("compile with a limit of 10: %v, want a WhenCELCostError", err)
	}
}

// Lowering --max-when-cel-cost never blocks other edits of a pipeline
// whose condition was admitted under the higher limit; a new or changed
// condition is held to the new limit.
func TestWhenCELCostRatchet(t *testing.T) {
	low := opts
	low.WhenCELCostLimit = 100
	old := celPipeline("params.env.lowerAscii() == 'prod'")
	if errs := validation.ValidatePipeline(old, low); len(errs) != 1 {
		t.Fatalf("the condition should cost more than 100: %v", errs)
	}
	old.ResourceVersion = "1"
	edited := old.DeepCopy()
	edited.Spec.Description = "edited"
	checkErrors(t, nil, validation.ValidatePipelineUpdate(edited, old, low))

	changed := old.DeepCopy()
	changed.Spec.Tasks[1].When[0].CEL = "params.env.lowerAscii() == 'production'"
	checkErrors(t, []string{"spec.tasks[1].when[0].cel: Invalid value"}, validation.ValidatePipelineUpdate(changed, old, low))
}
