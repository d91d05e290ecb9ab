package local

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// The example pipeline two-trainings uses train-step twice with different
// learning rates: the run's snapshot holds the expanded tasks, every inner
// task runs as a process with its own params, and the inner pipelines'
// model outputs flow to compare. A cycle across two pipelines is refused
// naming both.
func TestNestedPipelineExample(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	dir := framework.SharedDir(t)
	cs := server.Clientset().MlV1alpha1()
	for _, file := range []string{"9a-pipeline-train-step.yaml", "9b-pipeline-nested.yaml"} {
		pl := &mlv1alpha1.Pipeline{}
		readExample(t, file, pl)
		pl.Namespace = ns
		for i := range pl.Spec.Params {
			if pl.Spec.Params[i].Name == "workdir" {
				pl.Spec.Params[i].Default = &dir
			}
		}
		if _, err := cs.Pipelines(ns).Create(ctx, pl, metav1.CreateOptions{}); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	run := &mlv1alpha1.PipelineRun{}
	readExample(t, "9c-pipelinerun-nested.yaml", run)
	run.Namespace = ns
	if _, err := cs.PipelineRuns(ns).Create(ctx, run, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	snapshot, err := cs.PipelineRuns(ns).GetPipeline(ctx, run.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, task := range snapshot.Spec.Tasks {
		names = append(names, task.Name)
	}
	if want := "small.prepare small.fit large.prepare large.fit compare"; strings.Join(names, " ") != want {
		t.Errorf("snapshot tasks %v, want %s", names, want)
	}

	done := waitRun(t, ns, run.Name, 3*time.Minute)
	if done.Status.Phase != mlv1alpha1.PipelineRunSucceeded {
		t.Fatalf("run ended %s: %+v", done.Status.Phase, done.Status.Tasks)
	}
	outputs := map[string]string{}
	for _, task := range done.Status.Tasks {
		if task.Phase != mlv1alpha1.TaskSucceeded || len(task.Attempts) != 1 {
			t.Errorf("task %s is %s/%s with %d attempts, want it to run once and succeed", task.Name, task.Phase, task.Reason, len(task.Attempts))
		}
		for _, o := range task.Outputs {
			outputs[task.Name+"/"+o.Name] = o.Value
		}
	}
	small, large := dir+"/data-0.01.txt.model", dir+"/data-0.1.txt.model"
	if outputs["small.fit/model"] != small || outputs["large.fit/model"] != large {
		t.Errorf("inner models %q and %q, want %q and %q", outputs["small.fit/model"], outputs["large.fit/model"], small, large)
	}
	if got, want := outputs["compare/models"], small+","+large; got != want {
		t.Errorf("compare got models %q, want %q", got, want)
	}

	// The log of an inner task, and of all the tasks of a nested one, once
	// the ended processes' logs are archived.
	logOf := func(task string, want ...string) string {
		t.Helper()
		var got string
		_ = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			data, err := cs.RESTClient().Get().Namespace(ns).Resource("pipelineruns").Name(run.Name).SubResource("log").
				Param("task", task).DoRaw(ctx)
			if err != nil {
				return false, fmt.Errorf("log of task %s: %w", task, err)
			}
			got = string(data)
			return !slices.ContainsFunc(want, func(w string) bool { return !strings.Contains(got, w) }), nil
		})
		return got
	}
	if got := logOf("small.fit", "fitted "+small); !strings.Contains(got, "fitted "+small) || strings.Contains(got, "prepared") {
		t.Errorf("log of small.fit:\n%s\nwant its line only", got)
	}
	wantLarge := []string{"prepared " + dir + "/data-0.1.txt", "fitted " + large}
	if got := logOf("large", wantLarge...); !strings.Contains(got, wantLarge[0]) || !strings.Contains(got, wantLarge[1]) ||
		strings.Contains(got, "0.01") {
		t.Errorf("log of large:\n%s\nwant the lines of large.prepare and large.fit only", got)
	}

	// ping runs pong, which runs ping.
	for _, p := range [][2]string{{"ping", "pong"}, {"pong", "ping"}} {
		pl := &mlv1alpha1.Pipeline{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: p[0]},
			Spec: mlv1alpha1.PipelineSpec{Tasks: []mlv1alpha1.PipelineTask{{
				Name: "run-" + p[1], PipelineRef: &mlv1alpha1.LocalObjectReference{Name: p[1]},
			}}},
		}
		if _, err := cs.Pipelines(ns).Create(ctx, pl, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	loop := &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "loop"},
		Spec:       mlv1alpha1.PipelineRunSpec{PipelineRef: &mlv1alpha1.LocalObjectReference{Name: "ping"}},
	}
	_, err = cs.PipelineRuns(ns).Create(ctx, loop, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.pipelineRef.name") ||
		!strings.Contains(err.Error(), "cycle of pipelines: ping -> pong -> ping") {
		t.Errorf("run of a cycle of pipelines: %v, want a 422 naming ping -> pong -> ping", err)
	}
}
