package plan

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/nested"
)

// TestNestedPipeline plans the snapshot of a run whose task e runs a
// two-task pipeline under a when condition: with the condition true the
// inner tasks run in order after gate and e's output reaches use; with it
// false every inner task is Skipped, use (which reads e's output) too,
// and after (which only dependsOn e) still runs.
func TestNestedPipeline(t *testing.T) {
	inner := mltesting.MakePipeline("inner", "ns").
		Params(mltesting.MakeParamSpec("msg").Obj()).
		Tasks(
			task("a").Args("$(params.msg)").Outputs("x").Obj(),
			task("b").Args("$(tasks.a.outputs.x)").Outputs("y").Obj(),
		).
		Output("y", "$(tasks.b.outputs.y)").Obj()
	top := pipeline(
		task("gate").Outputs("go"),
		mltesting.MakeNestedTask("e", "inner").Param("msg", "hello").Outputs("y").
			When("$(tasks.gate.outputs.go)", ml.WhenOperatorIn, "yes"),
		task("use").Args("$(tasks.e.outputs.y)"),
		task("after").DependsOn("e"),
	).Spec()
	e := &nested.Expander{Namespace: "ns", Limits: nested.DefaultLimits(), Get: func(string) (*ml.PipelineSpec, bool, error) {
		return inner.Spec.DeepCopy(), true, nil
	}}
	spec, errs := e.Expand(top, "", field.NewPath("spec", "pipelineSpec"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, gate := range []string{"yes", "no"} {
		t.Run("gate "+gate, func(t *testing.T) {
			s := newSim(t, spec)
			s.script = func(entry string, _ int) outcome {
				switch entry {
				case "gate":
					return outcome{message: "go=" + gate + "\n"}
				case "e.a":
					return outcome{message: "x=from-a\n"}
				case "e.b":
					return outcome{message: "y=from-b\n"}
				}
				return outcome{}
			}
			waves := s.runToEnd()
			want := map[string]string{"gate": "Succeeded", "e.a": "Succeeded", "e.b": "Succeeded", "use": "Succeeded", "after": "Succeeded"}
			wantWaves := [][]string{{pod("gate")}, {pod("e.a")}, {pod("e.b")}, {pod("use"), pod("after")}}
			if gate == "no" {
				want = map[string]string{"gate": "Succeeded", "e.a": "Skipped/WhenNotMet", "e.b": "Skipped/WhenNotMet",
					"use": "Skipped/UpstreamSkipped", "after": "Succeeded"}
				wantWaves = [][]string{{pod("gate")}, {pod("after")}}
			}
			if diff := cmp.Diff(want, s.phases()); diff != "" {
				t.Errorf("phases (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantWaves, waves); diff != "" {
				t.Errorf("waves of pods (-want +got):\n%s", diff)
			}
		})
	}
}
