package badinput

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// TestCapsFollowFlags runs a server of its own with --max-replicas=5,
// --max-foreach=2 and --max-pipeline-nesting-depth=1 and its controllers
// on: validation and admission hold objects to these caps, and the
// PipelineRun controller fails a forEach task whose list, known only at
// run time, is longer, without starting it.
func TestCapsFollowFlags(t *testing.T) {
	s := framework.StartTestServerWith(t, func(o *options.Options) {
		o.Controllers.Controllers = []string{"*"}
		o.Limits.MaxReplicas = 5
		o.Limits.MaxForEachItems = 2
		o.Nesting.MaxDepth = 1
	})
	ctx, cs, ns := t.Context(), s.Clientset(), "default"

	_, err := cs.MlV1alpha1().TrainingJobs(ns).Create(ctx, mltesting.NewTrainingJob("six", ns).Replicas(6).Obj(), metav1.CreateOptions{})
	expectInvalid(t, err, "spec.replicas")
	expectStatus(t, err, http.StatusUnprocessableEntity, "must be no more than 5 (the server's --max-replicas)")

	task := mltesting.NewTask("fan")
	task.Command = []string{"sh", "-c", "exit 0"}
	task.ForEach = &mlv1alpha1.ForEach{From: "$(params.items)"}
	run := &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Name: "fan", Namespace: ns},
		Spec: mlv1alpha1.PipelineRunSpec{
			PipelineSpec: &mlv1alpha1.PipelineSpec{
				Params: []mlv1alpha1.ParamSpec{{Name: "items", Type: mlv1alpha1.ParamTypeList}},
				Tasks:  []mlv1alpha1.PipelineTask{task},
			},
			Params: []mlv1alpha1.Param{{Name: "items", Value: `["a","b","c"]`}},
		},
	}
	if _, err := cs.MlV1alpha1().PipelineRuns(ns).Create(ctx, run, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var last *mlv1alpha1.PipelineRun
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		r, err := cs.MlV1alpha1().PipelineRuns(ns).Get(ctx, "fan", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last = r
		return r.Status.CompletionTime != nil, nil
	})
	if err != nil {
		t.Fatalf("run did not finish: %v; last status %+v", err, last.Status)
	}
	if last.Status.Phase != mlv1alpha1.PipelineRunFailed {
		t.Errorf("run phase %s, want Failed", last.Status.Phase)
	}
	found := false
	for _, task := range last.Status.Tasks {
		if strings.HasPrefix(task.Name, "fan-") {
			t.Errorf("instance %s has a status entry, want none started", task.Name)
		}
		if task.Name == "fan" {
			found = true
			want := "forEach has 3 items, more than the limit of 2 (the server's --max-foreach)"
			if task.Phase != mlv1alpha1.TaskFailed || task.Reason != "InvalidForEach" || task.Message != want {
				t.Errorf("task fan %s/%s %q, want Failed/InvalidForEach %q", task.Phase, task.Reason, task.Message, want)
			}
		}
	}
	if !found {
		t.Errorf("no status of task fan in %+v", last.Status.Tasks)
	}

	// Pipelines nested two deep: outer runs middle, which runs leaf.
	nest := func(name string, task mlv1alpha1.PipelineTask) {
		t.Helper()
		pl := &mlv1alpha1.Pipeline{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: mlv1alpha1.PipelineSpec{Tasks: []mlv1alpha1.PipelineTask{task}}}
		if _, err := cs.MlV1alpha1().Pipelines(ns).Create(ctx, pl, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	leaf := mltesting.NewTask("x")
	leaf.Command = []string{"true"}
	nest("leaf", leaf)
	nest("middle", mlv1alpha1.PipelineTask{Name: "use-leaf", PipelineRef: &mlv1alpha1.LocalObjectReference{Name: "leaf"}})
	nest("outer", mlv1alpha1.PipelineTask{Name: "use-middle", PipelineRef: &mlv1alpha1.LocalObjectReference{Name: "middle"}})
	deep := &mlv1alpha1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Name: "deep", Namespace: ns},
		Spec: mlv1alpha1.PipelineRunSpec{PipelineRef: &mlv1alpha1.LocalObjectReference{Name: "outer"}}}
	_, err = cs.MlV1alpha1().PipelineRuns(ns).Create(ctx, deep, metav1.CreateOptions{})
	expectInvalid(t, err, "spec.pipelineRef.name")
	expectStatus(t, err, http.StatusUnprocessableEntity, "nests pipelines 2 deep, more than the limit of 1 (the server's --max-pipeline-nesting-depth): outer -> middle -> leaf")
	deep.Spec.PipelineRef.Name = "middle"
	if _, err := cs.MlV1alpha1().PipelineRuns(ns).Create(ctx, deep, metav1.CreateOptions{}); err != nil {
		t.Errorf("a run nesting 1 deep: %v", err)
	}
}
