package badinput

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

func TestCyclicPipelinesAreRejected(t *testing.T) {
	// b reads an output of a while a waits for b: a cycle through a
	// variable reference rather than dependsOn.
	outputCycle := mltesting.NewPipeline("", "").Task("a", "b").Task("b").Spec()
	outputCycle.Tasks[0].Outputs = []mlv1alpha1.TaskOutput{{Name: "model"}}
	outputCycle.Tasks[1].Args = []string{"--model=$(tasks.a.outputs.model)"}

	tests := []struct {
		name  string
		spec  *mlv1alpha1.PipelineSpec
		cycle string
	}{
		{"two tasks", mltesting.NewPipeline("", "").Task("a", "b").Task("b", "a").Spec(), "a -> b -> a"},
		{"three tasks", mltesting.NewPipeline("", "").Task("prepare", "evaluate").Task("train", "prepare").Task("evaluate", "train").Spec(), "prepare -> evaluate -> train -> prepare"},
		{"through an output", outputCycle, "a -> b -> a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cs, ns := setup(t)

			pipeline := mltesting.NewPipeline("cyclic", ns).Obj()
			pipeline.Spec = *tc.spec
			_, err := cs.MlV1alpha1().Pipelines(ns).Create(ctx, pipeline, metav1.CreateOptions{})
			expectInvalid(t, err, "spec.tasks")
			if err != nil && !strings.Contains(err.Error(), tc.cycle) {
				t.Errorf("the error %q does not show the cycle %s", err, tc.cycle)
			}
			expectNothingStored(ctx, t, cs, ns, mltesting.KindNamed("Pipeline"))

			run := mltesting.NewPipelineRun("cyclic", ns).Inline(tc.spec).Obj()
			_, err = cs.MlV1alpha1().PipelineRuns(ns).Create(ctx, run, metav1.CreateOptions{})
			expectInvalid(t, err, "spec.pipelineSpec.tasks")
			if err != nil && !strings.Contains(err.Error(), tc.cycle) {
				t.Errorf("the error %q does not show the cycle %s", err, tc.cycle)
			}
			expectNothingStored(ctx, t, cs, ns, mltesting.KindNamed("PipelineRun"))
		})
	}
}
