package verbs

import (
	"context"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// waitFor polls get until cond holds.
func waitFor[T any](t *testing.T, what string, get func(ctx context.Context) (T, error), cond func(T) bool) T {
	t.Helper()
	var last T
	err := wait.PollUntilContextTimeout(t.Context(), 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		v, err := get(ctx)
		if err != nil {
			return false, err
		}
		last = v
		return cond(v), nil
	})
	if err != nil {
		t.Fatalf("%s: %v; last %+v", what, err, last)
	}
	return last
}

func TestNotebookStopStart(t *testing.T) {
	ns := framework.NewNamespace(t)
	nbs := server.Clientset().MlV1alpha1().Notebooks(ns)
	if _, err := nbs.Create(t.Context(), mltesting.NewNotebook("explore", ns).Obj(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	get := func(ctx context.Context) (*mlv1alpha1.Notebook, error) {
		return nbs.Get(ctx, "explore", metav1.GetOptions{})
	}

	if out := mustML(t, ns, "stop", "nb/explore"); out != "notebook.ml.example.io/explore stopped\n" {
		t.Errorf("stop printed %q", out)
	}
	nb := waitFor(t, "notebook stopped", get, func(nb *mlv1alpha1.Notebook) bool { return nb.Status.Phase == mlv1alpha1.NotebookStopped })
	byPlugin := false
	for _, m := range nb.ManagedFields {
		byPlugin = byPlugin || m.Manager == "kubectl-ml" && m.FieldsV1 != nil && strings.Contains(m.FieldsV1.GetRawString(), "f:stopped")
	}
	if !nb.Spec.Stopped || !byPlugin {
		t.Errorf("spec.stopped %v, managers %+v: want true, written by kubectl-ml", nb.Spec.Stopped, nb.ManagedFields)
	}
	if _, _, err := kubectlML(t, ns, "stop", "notebook/explore"); err == nil || err.Error() != `notebooks.ml.example.io "explore" is already stopped` {
		t.Errorf("stop again: %v, want already stopped", err)
	}
	if out := mustML(t, ns, "start", "notebooks/explore"); out != "notebook.ml.example.io/explore started\n" {
		t.Errorf("start printed %q", out)
	}
	waitFor(t, "notebook started", get, func(nb *mlv1alpha1.Notebook) bool {
		return !nb.Spec.Stopped && nb.Status.Phase != mlv1alpha1.NotebookStopped
	})
}

func TestTrainingJobSuspendResume(t *testing.T) {
	ns := framework.NewNamespace(t)
	jobs := server.Clientset().MlV1alpha1().TrainingJobs(ns)
	job := mltesting.NewTrainingJob("sleeper", ns).Obj()
	job.Spec.Command = []string{"sleep", "600"}
	if _, err := jobs.Create(t.Context(), job, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	get := func(ctx context.Context) (*mlv1alpha1.TrainingJob, error) {
		return jobs.Get(ctx, "sleeper", metav1.GetOptions{})
	}
	waitFor(t, "job running", get, func(j *mlv1alpha1.TrainingJob) bool { return j.Status.Phase == mlv1alpha1.TrainingJobRunning })

	if out := mustML(t, ns, "suspend", "tj/sleeper"); out != "trainingjob.ml.example.io/sleeper suspended\n" {
		t.Errorf("suspend printed %q", out)
	}
	waitFor(t, "job suspended", get, func(j *mlv1alpha1.TrainingJob) bool {
		return j.Spec.Suspend && j.Status.Phase == mlv1alpha1.TrainingJobSuspended && j.Status.Replicas == 0
	})
	if out := mustML(t, ns, "resume", "tj/sleeper"); out != "trainingjob.ml.example.io/sleeper resumed\n" {
		t.Errorf("resume printed %q", out)
	}
	waitFor(t, "job running again", get, func(j *mlv1alpha1.TrainingJob) bool {
		return !j.Spec.Suspend && j.Status.Phase == mlv1alpha1.TrainingJobRunning
	})
	tree := mustML(t, ns, "tree", "tj/sleeper")
	for _, want := range []string{"trainingjob/sleeper", "Running", "process/sleeper-0"} {
		if !strings.Contains(tree, want) {
			t.Errorf("tree lacks %q:\n%s", want, tree)
		}
	}
	if err := jobs.Delete(t.Context(), "sleeper", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestPipelineRunSuspendResumeCancel(t *testing.T) {
	ns := framework.NewNamespace(t)
	runs := server.Clientset().MlV1alpha1().PipelineRuns(ns)
	run := &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "long"},
		Spec: mlv1alpha1.PipelineRunSpec{PipelineSpec: &mlv1alpha1.PipelineSpec{
			Tasks: []mlv1alpha1.PipelineTask{task("long", "exec sleep 600"), task("after", "echo never", "long")},
		}},
	}
	if _, err := runs.Create(t.Context(), run, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	get := func(ctx context.Context) (*mlv1alpha1.PipelineRun, error) {
		return runs.Get(ctx, "long", metav1.GetOptions{})
	}

	if out := mustML(t, ns, "suspend", "plr/long"); out != "pipelinerun.ml.example.io/long suspended\n" {
		t.Errorf("suspend printed %q", out)
	}
	waitFor(t, "run suspended", get, func(r *mlv1alpha1.PipelineRun) bool { return r.Spec.Suspend })
	if out := mustML(t, ns, "resume", "plr/long"); out != "pipelinerun.ml.example.io/long resumed\n" {
		t.Errorf("resume printed %q", out)
	}
	waitFor(t, "long task running", get, func(r *mlv1alpha1.PipelineRun) bool {
		return !r.Spec.Suspend && len(r.Status.Tasks) > 0 && r.Status.Tasks[0].Phase == mlv1alpha1.TaskRunning
	})
	if out := mustML(t, ns, "cancel", "plr/long"); out != "pipelinerun.ml.example.io/long canceled\n" {
		t.Errorf("cancel printed %q", out)
	}
	waitRun(t, ns, "long", func(r *mlv1alpha1.PipelineRun) bool { return r.Status.Phase == mlv1alpha1.PipelineRunCanceled })
	if out := mustML(t, ns, "get", "plr/long"); !strings.Contains(out, "Phase:      Canceled") {
		t.Errorf("get after cancel:\n%s", out)
	}
}

// The verbs refuse kinds they do not apply to, and pass the server's errors on.
func TestLifecycleErrors(t *testing.T) {
	ns := framework.NewNamespace(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"stop", "tj/x"}, "trainingjobs do not support stop: stop applies to notebooks"},
		{[]string{"suspend", "nb/x"}, "notebooks do not support suspend: suspend applies to trainingjobs and pipelineruns"},
		{[]string{"cancel", "tj/x"}, "trainingjobs do not support cancel: cancel applies to pipelineruns"},
		{[]string{"get", "tj/x"}, "get shows pipelineruns as a task tree, not trainingjobs: use kubectl get trainingjobs/x"},
	} {
		if _, _, err := kubectlML(t, ns, tc.args...); err == nil || err.Error() != tc.want {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
	for _, args := range [][]string{{"cancel", "plr/nope"}, {"get", "plr/nope"}, {"tree", "nb/nope"}} {
		if _, _, err := kubectlML(t, ns, args...); !apierrors.IsNotFound(err) {
			t.Errorf("%v: %v, want NotFound", args, err)
		}
	}
}
