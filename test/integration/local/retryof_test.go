package local

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/plan"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// A 5-task chain whose 4th task fails until a flag file exists is
// retried with spec.retryOf: tasks 1-3 are reused, with no process and no
// attempt of their own (the cache is off, so only the retry explains it),
// 4 and 5 run, and 3's output reaches 4. The failed run stays as it was,
// and a run that Succeeded cannot be retried.
func TestRetryOfReusesSucceededTasks(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	dir := framework.SharedDir(t)
	runs := server.Clientset().MlV1alpha1().PipelineRuns(ns)

	var tasks []mlv1alpha1.PipelineTask
	for i := 1; i <= 5; i++ {
		name := fmt.Sprintf("t%d", i)
		script := fmt.Sprintf(`echo %s >> $(params.dir)/ran; echo o=%s-out > "$ML_TERMINATION_MESSAGE_PATH"`, name, name)
		if i > 1 {
			script = fmt.Sprintf(`echo %s got $(tasks.t%d.outputs.o) >> $(params.dir)/ran; echo o=%s-out > "$ML_TERMINATION_MESSAGE_PATH"`, name, i-1, name)
		}
		if i == 4 {
			script = `test -e $(params.dir)/fixed || exit 3; ` + script
		}
		tk := task(name, script)
		tk.Outputs = []mlv1alpha1.TaskOutput{{Name: "o"}}
		tk.Cache = ptr.To(false)
		tasks = append(tasks, tk)
	}
	first := &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "chain"},
		Spec: mlv1alpha1.PipelineRunSpec{
			PipelineSpec: &mlv1alpha1.PipelineSpec{Params: []mlv1alpha1.ParamSpec{{Name: "dir"}}, Tasks: tasks},
			Params:       []mlv1alpha1.Param{{Name: "dir", Value: dir}},
		},
	}
	if _, err := runs.Create(ctx, first, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if done := waitRun(t, ns, "chain", 3*time.Minute); done.Status.Phase != mlv1alpha1.PipelineRunFailed {
		t.Fatalf("first run ended %s, want Failed: %+v", done.Status.Phase, done.Status.Tasks)
	}
	ran := func() []string {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(dir, "ran"))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimSpace(string(data)), "\n")
	}
	wantFirst := []string{"t1", "t2 got t1-out", "t3 got t2-out"}
	if diff := cmp.Diff(wantFirst, ran()); diff != "" {
		t.Fatalf("processes of the first run (-want +got):\n%s", diff)
	}
	failed, err := runs.Get(ctx, "chain", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}

	if err := os.WriteFile(filepath.Join(dir, "fixed"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	retry := &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, GenerateName: "chain-retry-"},
		Spec:       mlv1alpha1.PipelineRunSpec{RetryOf: &mlv1alpha1.LocalObjectReference{Name: "chain"}},
	}
	created, err := runs.Create(ctx, retry, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	done := waitRun(t, ns, created.Name, 3*time.Minute)
	if done.Status.Phase != mlv1alpha1.PipelineRunSucceeded {
		t.Fatalf("retry ended %s, want Succeeded: %+v", done.Status.Phase, done.Status.Tasks)
	}
	want := append(wantFirst, "t4 got t3-out", "t5 got t4-out")
	if diff := cmp.Diff(want, ran()); diff != "" {
		t.Errorf("processes after the retry (-want +got):\n%s", diff)
	}
	for _, s := range done.Status.Tasks {
		switch s.Name {
		case "t1", "t2", "t3":
			if s.Phase != mlv1alpha1.TaskSucceeded || s.Reason != plan.ReasonReused || s.PodName != "" || len(s.Attempts) != 0 ||
				!strings.Contains(s.Message, "chain") {
				t.Errorf("retry: %s is %s/%s (%s), pod %q, %d attempts; want Succeeded/Reused naming chain, without a process", s.Name, s.Phase, s.Reason, s.Message, s.PodName, len(s.Attempts))
			}
			if want := []mlv1alpha1.Param{{Name: "o", Value: s.Name + "-out"}}; !cmp.Equal(want, s.Outputs) {
				t.Errorf("retry: %s outputs %v, want %v", s.Name, s.Outputs, want)
			}
		default:
			if s.Phase != mlv1alpha1.TaskSucceeded || s.Reason == plan.ReasonReused || len(s.Attempts) != 1 {
				t.Errorf("retry: %s is %s/%s with %d attempts, want it to run once", s.Name, s.Phase, s.Reason, len(s.Attempts))
			}
		}
	}
	if diff := cmp.Diff(failed.Status, mustGetRun(t, ns, "chain").Status); diff != "" {
		t.Errorf("the retried run changed (-before +after):\n%s", diff)
	}
	snapshot, err := runs.GetPipeline(ctx, created.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(snapshot.Spec.Tasks) != 5 {
		t.Errorf("the retry's pipeline has %d tasks, want the 5 of chain", len(snapshot.Spec.Tasks))
	}

	// A run that succeeded has nothing to retry.
	again := retry.DeepCopy()
	again.Spec.RetryOf.Name = created.Name
	_, err = runs.Create(ctx, again, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.retryOf.name") || !strings.Contains(err.Error(), "is Succeeded") {
		t.Errorf("retry of a Succeeded run: %v, want a 422 naming spec.retryOf.name", err)
	}
}

func mustGetRun(t *testing.T, ns, name string) *mlv1alpha1.PipelineRun {
	t.Helper()
	r, err := server.Clientset().MlV1alpha1().PipelineRuns(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}
