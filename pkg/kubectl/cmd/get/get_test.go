package get

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/cmdtest"
)

func task(name string, deps ...string) mlv1alpha1.PipelineTask {
	return mlv1alpha1.PipelineTask{Name: name, DependsOn: deps, ContainerSpec: mlv1alpha1.ContainerSpec{Image: "busybox", Command: []string{"true"}}}
}

// A running diamond, listed out of order in its pipeline: gather after
// the work instances and check it waits for (check through an output
// reference only), finally last.
func TestPrintRun(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	at := func(s int) *metav1.Time { v := metav1.NewTime(t0.Add(time.Duration(s) * time.Second)); return &v }
	work := task("work", "prepare")
	work.ForEach = &mlv1alpha1.ForEach{Items: []string{"a", "b"}}
	check := task("check")
	check.Args = []string{"--split=$(tasks.prepare.outputs.split)"}
	spec := &mlv1alpha1.PipelineSpec{
		Tasks:   []mlv1alpha1.PipelineTask{task("gather", "work", "check"), task("prepare"), work, check, task("audit", "gather")},
		Finally: []mlv1alpha1.PipelineTask{task("notify")},
	}
	run := &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Name: "diamond-1", Namespace: "team-a"},
		Spec:       mlv1alpha1.PipelineRunSpec{PipelineRef: &mlv1alpha1.LocalObjectReference{Name: "diamond"}},
		Status: mlv1alpha1.PipelineRunStatus{
			Phase:     mlv1alpha1.PipelineRunRunning,
			StartTime: at(0),
			Params:    []mlv1alpha1.Param{{Name: "epochs", Value: "5"}},
			Tasks: []mlv1alpha1.PipelineTaskStatus{
				{Name: "gather", Task: "gather", Phase: mlv1alpha1.TaskRunning, StartTime: at(70), Attempts: []mlv1alpha1.TaskAttempt{{PodName: "g"}}},
				{Name: "prepare", Task: "prepare", Phase: mlv1alpha1.TaskSucceeded, StartTime: at(0), CompletionTime: at(4),
					Attempts: []mlv1alpha1.TaskAttempt{{PodName: "p"}}, Outputs: []mlv1alpha1.Param{{Name: "split", Value: "s3://x/split"}, {Name: "n", Value: "2"}}},
				{Name: "work-0", Task: "work", Item: "a", Phase: mlv1alpha1.TaskSucceeded, StartTime: at(5), CompletionTime: at(40),
					Attempts: []mlv1alpha1.TaskAttempt{{PodName: "w0-1", ExitCode: ptr.To[int32](3)}, {PodName: "w0-2"}}},
				{Name: "work-1", Task: "work", Item: "b", Phase: mlv1alpha1.TaskSucceeded, StartTime: at(5), CompletionTime: at(69),
					Attempts: []mlv1alpha1.TaskAttempt{{PodName: "w1-1"}}},
				{Name: "check", Task: "check", Phase: mlv1alpha1.TaskSkipped, Reason: "WhenFalse", Message: "when: $(params.x) in [y]\nwas false"},
				{Name: "audit", Task: "audit", Phase: mlv1alpha1.TaskPending},
				{Name: "notify", Task: "notify", Phase: mlv1alpha1.TaskPending},
			},
		},
	}
	var out bytes.Buffer
	if err := PrintRun(&out, run, spec, t0.Add(95*time.Second)); err != nil {
		t.Fatal(err)
	}
	cmdtest.Golden(t, "running-diamond", out.String())
}

func TestDAGOrder(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tasks []mlv1alpha1.PipelineTask
		want  []string
	}{
		{"listed order when independent", []mlv1alpha1.PipelineTask{task("b"), task("a")}, []string{"b", "a"}},
		{"dependencies first", []mlv1alpha1.PipelineTask{task("c", "b"), task("b", "a"), task("a")}, []string{"a", "b", "c"}},
		{"cycle last", []mlv1alpha1.PipelineTask{task("x", "y"), task("y", "x"), task("z")}, []string{"z", "x", "y"}},
	} {
		if diff := cmp.Diff(tc.want, dagOrder(tc.tasks)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}
