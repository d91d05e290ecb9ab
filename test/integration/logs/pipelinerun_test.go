package logs

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// testPipelineRunTasks reads the logs of a run with a forEach task (two
// instances, one retried) and a plain task, by task, instance and attempt.
func testPipelineRunTasks(t *testing.T, e *env) {
	ns := framework.NewNamespace(t)
	ctx := t.Context()
	runs := e.cs.MlV1alpha1().PipelineRuns(ns)
	run, err := runs.Create(ctx, mltesting.NewPipelineRun("nightly", ns).Obj(), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	attempts := func(pods ...string) []mlv1alpha1.TaskAttempt {
		var out []mlv1alpha1.TaskAttempt
		for _, p := range pods {
			out = append(out, mlv1alpha1.TaskAttempt{PodName: p})
		}
		return out
	}
	run.Status.Tasks = []mlv1alpha1.PipelineTaskStatus{
		{Name: "train-0", Task: "train", PodName: "nightly-train-0-2", Attempts: attempts("nightly-train-0-1", "nightly-train-0-2")},
		{Name: "train-1", Task: "train", PodName: "nightly-train-1-1", Attempts: attempts("nightly-train-1-1")},
		{Name: "eval", Task: "eval", PodName: "nightly-eval-1", Attempts: attempts("nightly-eval-1")},
	}
	run, err = runs.UpdateStatus(ctx, run, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("write task status: %v", err)
	}
	for pod, text := range map[string]string{
		"nightly-train-0-1": "shard 0 failed\n",
		"nightly-train-0-2": "shard 0 ok\n",
		"nightly-train-1-1": "shard 1 ok\n",
		"nightly-eval-1":    "accuracy=0.98\n",
	} {
		e.source.AddPod(ns, workload.Pod{Name: pod, UID: types.UID("uid-" + pod), ControllerUID: run.UID, Containers: []string{"main"}})
		e.source.Write(ns, pod, "main", text)
	}
	for _, tc := range []struct {
		params map[string]string
		want   string
	}{
		{nil, "[eval] accuracy=0.98\n[train-0] shard 0 ok\n[train-1] shard 1 ok\n"},
		{map[string]string{"task": "train"}, "[train-0] shard 0 ok\n[train-1] shard 1 ok\n"},
		{map[string]string{"task": "train-1"}, "shard 1 ok\n"},
		{map[string]string{"task": "train-0", "attempt": "1"}, "shard 0 failed\n"},
	} {
		req := e.cs.MlV1alpha1().RESTClient().Get().Namespace(ns).Resource("pipelineruns").Name("nightly").SubResource("log")
		for k, v := range tc.params {
			req.Param(k, v)
		}
		got, err := req.DoRaw(ctx)
		if err != nil {
			t.Errorf("%v: %v", tc.params, err)
			continue
		}
		if diff := cmp.Diff(tc.want, string(got)); diff != "" {
			t.Errorf("%v (-want +got):\n%s", tc.params, diff)
		}
	}
	for _, params := range []map[string]string{{"task": "absent"}, {"replica": "0"}, {"task": "eval", "attempt": "3"}} {
		req := e.cs.MlV1alpha1().RESTClient().Get().Namespace(ns).Resource("pipelineruns").Name("nightly").SubResource("log")
		for k, v := range params {
			req.Param(k, v)
		}
		if _, err := req.DoRaw(ctx); !apierrors.IsBadRequest(err) {
			t.Errorf("%v: %v, want 400", params, err)
		}
	}
}

// testPipelineRunOrder merges the logs of a diamond run in the order its
// tasks ran: the join task (gather) after the tasks it waited for, even
// when it started in the same second and sorts first by name.
func testPipelineRunOrder(t *testing.T, e *env) {
	ns := framework.NewNamespace(t)
	ctx := t.Context()
	runs := e.cs.MlV1alpha1().PipelineRuns(ns)
	spec := mltesting.NewPipeline("", "").Task("prepare").Task("work-a", "prepare").Task("work-b", "prepare").Task("gather", "work-a", "work-b").Spec()
	run, err := runs.Create(ctx, mltesting.NewPipelineRun("diamond", ns).Inline(spec).Obj(), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	at := func(s int) *metav1.Time { v := metav1.NewTime(t0.Add(time.Duration(s) * time.Second)); return &v }
	run.Status.Tasks = []mlv1alpha1.PipelineTaskStatus{
		{Name: "gather", Task: "gather", PodName: "diamond-gather-1", StartTime: at(1)},
		{Name: "prepare", Task: "prepare", PodName: "diamond-prepare-1", StartTime: at(0)},
		{Name: "work-a", Task: "work-a", PodName: "diamond-work-a-1", StartTime: at(1)},
		{Name: "work-b", Task: "work-b", PodName: "diamond-work-b-1", StartTime: at(0)},
	}
	if _, err := runs.UpdateStatus(ctx, run, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("write task status: %v", err)
	}
	for _, task := range []string{"gather", "prepare", "work-a", "work-b"} {
		pod := "diamond-" + task + "-1"
		e.source.AddPod(ns, workload.Pod{Name: pod, UID: types.UID("uid-" + pod), ControllerUID: run.UID, Containers: []string{"main"}})
		e.source.Write(ns, pod, "main", task+" done\n")
	}
	got, err := e.cs.MlV1alpha1().RESTClient().Get().Namespace(ns).Resource("pipelineruns").Name("diamond").SubResource("log").DoRaw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := "[prepare] prepare done\n[work-b] work-b done\n[work-a] work-a done\n[gather] gather done\n"
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("merged log (-want +got):\n%s", diff)
	}
}
