package local

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// waitRun waits until the run ended and returns it.
func waitRun(t *testing.T, ns, name string, timeout time.Duration) *mlv1alpha1.PipelineRun {
	t.Helper()
	var last *mlv1alpha1.PipelineRun
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		r, err := server.Clientset().MlV1alpha1().PipelineRuns(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last = r
		switch r.Status.Phase {
		case mlv1alpha1.PipelineRunSucceeded, mlv1alpha1.PipelineRunFailed, mlv1alpha1.PipelineRunCanceled:
			return true, nil
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("run %s/%s did not end: %v; tasks %+v", ns, name, err, last.Status.Tasks)
	}
	return last
}

// The example sweep runs end to end as processes: prepare, one train
// instance per learning rate, evaluate over all models, pick-best.
func TestExamplePipelineRuns(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	pl := &mlv1alpha1.Pipeline{}
	readExample(t, "3-pipeline.yaml", pl)
	pl.Namespace = ns
	for i := range pl.Spec.Params {
		if pl.Spec.Params[i].Name == "workdir" {
			dir := framework.SharedDir(t)
			pl.Spec.Params[i].Default = &dir
		}
	}
	if _, err := server.Clientset().MlV1alpha1().Pipelines(ns).Create(ctx, pl, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	run := &mlv1alpha1.PipelineRun{}
	readExample(t, "4-pipelinerun.yaml", run)
	run.Namespace = ns
	run.Spec.Params = []mlv1alpha1.Param{{Name: "epochs", Value: "5"}}
	if _, err := server.Clientset().MlV1alpha1().PipelineRuns(ns).Create(ctx, run, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	done := waitRun(t, ns, run.Name, 3*time.Minute)
	if done.Status.Phase != mlv1alpha1.PipelineRunSucceeded {
		t.Fatalf("run ended %s: %+v", done.Status.Phase, done.Status.Tasks)
	}
	outputs := map[string]map[string]string{}
	for _, task := range done.Status.Tasks {
		outputs[task.Name] = map[string]string{}
		for _, o := range task.Outputs {
			outputs[task.Name][o.Name] = o.Value
		}
	}
	// The instances of the forEach task train are served by the tasks
	// subresource; the run's status keeps only their summary.
	instances := &mlv1alpha1.PipelineRunTaskList{}
	if err := server.Clientset().MlV1alpha1().RESTClient().Get().Namespace(ns).Resource("pipelineruns").Name(run.Name).
		SubResource("tasks").Param("task", "train").Do(ctx).Into(instances); err != nil {
		t.Fatalf("tasks of the run: %v", err)
	}
	for _, in := range instances.Items {
		outputs[in.Name] = map[string]string{}
		for _, o := range in.Outputs {
			outputs[in.Name][o.Name] = o.Value
		}
	}
	for _, name := range []string{"train-0", "train-1", "train-2"} {
		if !strings.HasSuffix(outputs[name]["model"], ".json") {
			t.Errorf("task %s outputs %v: want a model path", name, outputs[name])
		}
	}
	// The highest learning rate fits this data best in 5 epochs.
	if got := outputs["pick-best"]["best-lr"]; got != "2.0" {
		t.Errorf("best learning rate %q, want 2.0; evaluate said %v", got, outputs["evaluate"])
	}
}

// task is a pipeline task running a shell script.
func task(name, script string) mlv1alpha1.PipelineTask {
	return mlv1alpha1.PipelineTask{
		Name: name,
		ContainerSpec: mlv1alpha1.ContainerSpec{
			Image:   "ignored",
			Command: []string{"sh", "-c", script},
		},
	}
}

func TestRetryCancelAndFinally(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	dir := framework.SharedDir(t)
	runs := server.Clientset().MlV1alpha1().PipelineRuns(ns)

	// flaky fails its first attempt and succeeds on the second.
	flaky := task("flaky", `if [ -e `+dir+`/tried ]; then echo second; exit 0; fi; touch `+dir+`/tried; echo first; exit 3`)
	flaky.Retries = &mlv1alpha1.RetryPolicy{Limit: 2, Backoff: &mlv1alpha1.Backoff{Duration: "1s"}}
	retry := &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "retry"},
		Spec: mlv1alpha1.PipelineRunSpec{PipelineSpec: &mlv1alpha1.PipelineSpec{
			Tasks: []mlv1alpha1.PipelineTask{flaky},
		}},
	}
	if _, err := runs.Create(ctx, retry, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	done := waitRun(t, ns, "retry", 2*time.Minute)
	if done.Status.Phase != mlv1alpha1.PipelineRunSucceeded || len(done.Status.Tasks) != 1 {
		t.Fatalf("retry run ended %s: %+v", done.Status.Phase, done.Status.Tasks)
	}
	attempts := done.Status.Tasks[0].Attempts
	if len(attempts) != 2 || attempts[0].ExitCode == nil || *attempts[0].ExitCode != 3 {
		t.Errorf("attempts %+v: want a failed attempt with exit code 3, then a second", attempts)
	}

	// cancel stops the running task's process; finally still runs.
	long := task("long", `echo $$$$ > `+dir+`/long.pid; exec sleep 600`)
	after := task("after", `echo never`)
	after.DependsOn = []string{"long"}
	notify := task("notify", `echo "run ended $(run.status)" > `+dir+`/notified`)
	cancel := &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "cancel"},
		Spec: mlv1alpha1.PipelineRunSpec{PipelineSpec: &mlv1alpha1.PipelineSpec{
			Tasks:   []mlv1alpha1.PipelineTask{long, after},
			Finally: []mlv1alpha1.PipelineTask{notify},
		}},
	}
	if _, err := runs.Create(ctx, cancel, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pid := waitPIDs(t, dir, "long.pid")["long.pid"]
	if _, err := runs.Patch(ctx, "cancel", "application/merge-patch+json", []byte(`{"spec":{"cancel":true}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitDead(t, "the running task of a canceled run", pid)
	done = waitRun(t, ns, "cancel", 2*time.Minute)
	if done.Status.Phase != mlv1alpha1.PipelineRunCanceled {
		t.Errorf("run ended %s, want Canceled", done.Status.Phase)
	}
	phases := map[string]string{}
	for _, task := range done.Status.Tasks {
		phases[task.Name] = string(task.Phase)
	}
	if phases["after"] == "Succeeded" || phases["notify"] != "Succeeded" {
		t.Errorf("task phases %v: want after not run and notify (finally) Succeeded", phases)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "notified")); err != nil || !strings.Contains(string(data), "Canceled") {
		t.Errorf("finally task saw %q (%v), want the run's status Canceled", data, err)
	}
}
