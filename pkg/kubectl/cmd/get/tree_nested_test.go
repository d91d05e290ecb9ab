package get

import (
	"bytes"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/cmdtest"
)

// A run of a pipeline using another twice, one level deeper in the second
// use: the inner tasks show under their parent, whose row sums them up.
func TestPrintRunNested(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	at := func(s int) *metav1.Time { v := metav1.NewTime(t0.Add(time.Duration(s) * time.Second)); return &v }
	compare := task("compare")
	compare.Args = []string{"$(tasks.small.fit.outputs.model)", "$(tasks.large.eval.fit.outputs.model)"}
	spec := &mlv1alpha1.PipelineSpec{Tasks: []mlv1alpha1.PipelineTask{
		task("small.prepare"), task("small.fit", "small.prepare"),
		task("large.eval.prepare"), task("large.eval.fit", "large.eval.prepare"), task("large.report", "large.eval.fit"),
		compare,
	}}
	done := func(name string, start, end int) mlv1alpha1.PipelineTaskStatus {
		return mlv1alpha1.PipelineTaskStatus{Name: name, Task: name, Phase: mlv1alpha1.TaskSucceeded, StartTime: at(start), CompletionTime: at(end),
			Attempts: []mlv1alpha1.TaskAttempt{{PodName: name}}}
	}
	run := &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Name: "two-1", Namespace: "team-a"},
		Spec:       mlv1alpha1.PipelineRunSpec{PipelineRef: &mlv1alpha1.LocalObjectReference{Name: "two"}},
		Status: mlv1alpha1.PipelineRunStatus{
			Phase:     mlv1alpha1.PipelineRunRunning,
			StartTime: at(0),
			Tasks: []mlv1alpha1.PipelineTaskStatus{
				done("small.prepare", 0, 3), done("small.fit", 4, 10),
				done("large.eval.prepare", 0, 5), done("large.eval.fit", 6, 20),
				{Name: "large.report", Task: "large.report", Phase: mlv1alpha1.TaskRunning, StartTime: at(21), Attempts: []mlv1alpha1.TaskAttempt{{PodName: "r"}}},
				{Name: "compare", Task: "compare", Phase: mlv1alpha1.TaskPending},
			},
		},
	}
	var out bytes.Buffer
	if err := PrintRun(&out, run, spec, t0.Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	cmdtest.Golden(t, "running-nested", out.String())
}
