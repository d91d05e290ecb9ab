package badinput

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/fixtures"
)

func TestCyclicPipelinesAreRejected(t *testing.T) {
	// b reads an output of a while a waits for b: a cycle through a
	// variable reference rather than dependsOn.
	outputCycle := fixtures.Pipeline("", "").Task("a", "b").Task("b").Spec()
	outputCycle.Tasks[0].Outputs = []mlv1alpha1.TaskOutput{{Name: "model"}}
	outputCycle.Tasks[1].Args = []string{"--model=$(tasks.a.outputs.model)"}

	tests := []struct {
		name  string
		spec  *mlv1alpha1.PipelineSpec
		cycle string
	}{
		{"two tasks", fixtures.Pipeline("", "").Task("a", "b").Task("b", "a").Spec(), "a -> b -> a"},
		{"three tasks", fixtures.Pipeline("", "").Task("prepare", "evaluate").Task("train", "prepare").Task("evaluate", "train").Spec(), "prepare -> evaluate -> train -> prepare"},
		{"through an output", outputCycle, "a -> b -> a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cs, ns := setup(t)

			pipeline := fixtures.Pipeline("cyclic", ns).Obj()
			pipeline.Spec = *tc.spec
			_, err := cs.MlV1alpha1().Pipelines(ns).Create(ctx, pipeline, metav1.CreateOptions{})
			expectInvalid(t, err, "spec.tasks")
			if err != nil && !strings.Contains(err.Error(), tc.cycle) {
				t.Errorf("the error %q does not show the cycle %s", err, tc.cycle)
			}
			expectNothingStored(ctx, t, cs, ns, fixtures.KindNamed("Pipeline"))

			run := fixtures.PipelineRun("cyclic", ns).Inline(tc.spec).Obj()
			_, err = cs.MlV1alpha1().PipelineRuns(ns).Create(ctx, run, metav1.CreateOptions{})
			expectInvalid(t, err, "spec.pipelineSpec.tasks")
			if err != nil && !strings.Contains(err.Error(), tc.cycle) {
				t.Errorf("the error %q does not show the cycle %s", err, tc.cycle)
			}
			expectNothingStored(ctx, t, cs, ns, fixtures.KindNamed("PipelineRun"))
		})
	}
}
