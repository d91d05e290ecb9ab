package plugin

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/cmdtest"
)

// TestCompare runs `kubectl ml compare` against the server: an experiment
// (the ml.example.io/experiment label) of three training jobs and a
// pipeline run with their metrics, named objects with a chart, and the
// errors that need the server.
func TestCompare(t *testing.T) {
	p := plugin{bin: buildPlugin(t), kubeconfig: server.Kubeconfig, home: t.TempDir()}
	ctx := t.Context()
	cs := server.Clientset().MlV1alpha1()
	start := metav1.NewTime(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	exp := map[string]string{mlv1alpha1.ExperimentLabel: "cmp"}
	for i, lr := range []string{"0.1", "0.01", "0.001"} {
		name := "cmp-" + string(rune('a'+i))
		tj := mltesting.NewTrainingJob(name, namespace).Obj()
		tj.Labels = exp
		tj.Spec.Args = []string{"train.py", "--lr=" + lr, "--epochs", "3"}
		tj, err := cs.TrainingJobs(namespace).Create(ctx, tj, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		end := metav1.NewTime(start.Add(time.Duration(i+1) * time.Minute))
		tj.Status.Phase, tj.Status.StartTime, tj.Status.CompletionTime = mlv1alpha1.TrainingJobSucceeded, &start, &end
		if _, err := cs.TrainingJobs(namespace).UpdateStatus(ctx, tj, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	postMetrics(t, "trainingjobs", "cmp-a", series("loss", 2, 1, 0.8), series("epoch", 0, 1, 2))
	postMetrics(t, "trainingjobs", "cmp-b", series("loss", 2, 0.9, 0.4), series("epoch", 0, 1, 2))
	postMetrics(t, "trainingjobs", "cmp-c", series("loss", 2, 1.5, 1.2), series("epoch", 0, 1, 2))

	spec := mltesting.NewPipeline("cmp", namespace).Task("train").Spec()
	spec.Params = []mlv1alpha1.ParamSpec{{Name: "lr"}}
	run := mltesting.NewPipelineRun("cmp-run", namespace).Inline(spec).Obj()
	run.Labels = exp
	run.Spec.Params = []mlv1alpha1.Param{{Name: "lr", Value: "0.05"}}
	if _, err := cs.PipelineRuns(namespace).Create(ctx, run, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		golden string
		args   []string
	}{
		// Everything labelled with the experiment, best loss first; the
		// pipeline run has no metrics yet.
		{"compare-experiment", []string{"compare", "--experiment", "cmp", "--sort-by", "loss", "-n", namespace}},
		// The same through a selector, highest loss first, wide.
		{"compare-selector", []string{"compare", "-l", mlv1alpha1.ExperimentLabel + "=cmp", "--sort-by", "loss", "--reverse", "-o", "wide", "-n", namespace}},
		// Named objects (any name kubectl knows for the kind) and a chart.
		{"compare-chart", []string{"compare", "trainingjob/cmp-a", "tj/cmp-b", "--chart", "loss", "--width", "40", "--height", "4", "-n", namespace}},
		{"compare-nothing", []string{"compare", "--experiment", "none", "-n", namespace}},
		{"compare-not-found", []string{"compare", "tj/nope", "-n", namespace}},
		{"compare-not-comparable", []string{"compare", "notebook/scratch", "-n", namespace}},
		{"compare-unknown-sort", []string{"compare", "--experiment", "cmp", "--sort-by", "acc", "-n", namespace}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			cmdtest.Golden(t, tc.golden, p.run(t, tc.args...).String())
		})
	}
}
