package local

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/plan"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// The example pipeline decide branches with CEL when conditions on an
// upstream number (If/Elif/Else) and a string param: the branches that do
// not hold are Skipped without a process, the others run.
func TestWhenCELBranches(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	pl := &mlv1alpha1.Pipeline{}
	readExample(t, "6-pipeline-when.yaml", pl)
	pl.Namespace = ns
	if _, err := server.Clientset().MlV1alpha1().Pipelines(ns).Create(ctx, pl, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	run := &mlv1alpha1.PipelineRun{}
	readExample(t, "7-pipelinerun-when.yaml", run)
	run.Namespace = ns
	if _, err := server.Clientset().MlV1alpha1().PipelineRuns(ns).Create(ctx, run, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	done := waitRun(t, ns, run.Name, 3*time.Minute)
	if done.Status.Phase != mlv1alpha1.PipelineRunSucceeded {
		t.Fatalf("run ended %s: %+v", done.Status.Phase, done.Status.Tasks)
	}
	want := map[string]string{"train": "Succeeded", "deploy": "Succeeded", "retune": "Skipped", "alert": "Skipped", "announce": "Skipped"}
	for _, s := range done.Status.Tasks {
		if string(s.Phase) != want[s.Name] {
			t.Errorf("%s is %s/%s (%s), want %s", s.Name, s.Phase, s.Reason, s.Message, want[s.Name])
		}
		if s.Phase == mlv1alpha1.TaskSkipped && (s.Reason != plan.ReasonWhenNotMet || len(s.Attempts) != 0) {
			t.Errorf("%s: reason %s with %d attempts, want WhenNotMet without a process", s.Name, s.Reason, len(s.Attempts))
		}
	}
}

// A CEL condition that does not compile, or may cost too much, is refused
// with 422 naming the task's field, the task and the expression.
func TestWhenCELRefused(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name, cel, why string
	}{
		{"syntax", "double(tasks.train.outputs.accuracy) >", "Syntax error"},
		{"types", "tasks.train.outputs.accuracy > 0.9", "found no matching overload"},
		{"cost", "tasks.train.outputs.accuracy.split(',').all(a, tasks.train.outputs.accuracy.split(',').all(b, a != b))", "exceeds the limit of 1000000 (the server's --max-when-cel-cost)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			train := task("train", "true")
			train.Outputs = []mlv1alpha1.TaskOutput{{Name: "accuracy"}}
			deploy := task("deploy", "true")
			deploy.When = []mlv1alpha1.WhenExpression{{CEL: tc.cel}}
			pl := &mlv1alpha1.Pipeline{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: tc.name},
				Spec:       mlv1alpha1.PipelineSpec{Tasks: []mlv1alpha1.PipelineTask{train, deploy}},
			}
			_, err := server.Clientset().MlV1alpha1().Pipelines(ns).Create(ctx, pl, metav1.CreateOptions{})
			if !apierrors.IsInvalid(err) || apierrors.ReasonForError(err) != metav1.StatusReasonInvalid {
				t.Fatalf("create: %v, want 422 Invalid", err)
			}
			var status apierrors.APIStatus
			if s, ok := err.(apierrors.APIStatus); ok {
				status = s
			}
			if status == nil || status.Status().Code != http.StatusUnprocessableEntity {
				t.Errorf("code of %v, want 422", err)
			}
			for _, want := range []string{"spec.tasks[1].when[0].cel", `task "deploy"`, tc.cel, tc.why} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}
