package verbs

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/storage/taskstore"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// getTasks reads one page of GET .../pipelineruns/name/tasks with query.
func getTasks(t *testing.T, ns, name string, query map[string]string) (*mlv1alpha1.PipelineRunTaskList, error) {
	t.Helper()
	req := server.Clientset().MlV1alpha1().RESTClient().Get().Namespace(ns).Resource("pipelineruns").Name(name).SubResource("tasks")
	for k, v := range query {
		req = req.Param(k, v)
	}
	list := &mlv1alpha1.PipelineRunTaskList{}
	return list, req.Do(t.Context()).Into(list)
}

// A forEach task of 25 processes, one of which fails: the run's status
// summarizes the instances, the tasks subresource serves each, page by
// page and by phase, refuses bad queries with 400, and the instances go
// with the run.
func TestTasksSubresource(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := t.Context()
	items := make([]string, 25)
	for i := range items {
		items[i] = strconv.Itoa(i)
	}
	work := task("work", `test "$(item)" != 13 || exit 3; echo "n=$(item)" > "$ML_TERMINATION_MESSAGE_PATH"`)
	work.ForEach = &mlv1alpha1.ForEach{Items: items, Parallelism: ptr.To[int32](25)}
	work.Outputs = []mlv1alpha1.TaskOutput{{Name: "n"}}
	run := &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "wide"},
		Spec:       mlv1alpha1.PipelineRunSpec{PipelineSpec: &mlv1alpha1.PipelineSpec{Tasks: []mlv1alpha1.PipelineTask{work}}},
	}
	runs := server.Clientset().MlV1alpha1().PipelineRuns(ns)
	if _, err := runs.Create(ctx, run, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	done := waitRun(t, ns, "wide", ended)
	if done.Status.Phase != mlv1alpha1.PipelineRunFailed || len(done.Status.Tasks) != 1 {
		t.Fatalf("run ended %s with tasks %+v", done.Status.Phase, done.Status.Tasks)
	}
	s := done.Status.Tasks[0].Instances
	if s == nil || s.Total != 25 || s.Succeeded != 24 || s.Failed != 1 || len(s.Failures) != 1 || s.Failures[0].Index != 13 {
		t.Fatalf("summary of work: %+v", s)
	}

	var all []mlv1alpha1.PipelineRunTaskInstance
	token, pages := "", 0
	for {
		q := map[string]string{"task": "work", "limit": "10"}
		if token != "" {
			q["continue"] = token
		}
		page, err := getTasks(t, ns, "wide", q)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		all = append(all, page.Items...)
		if token = page.Continue; token == "" {
			break
		}
	}
	if len(all) != 25 || pages != 3 {
		t.Fatalf("%d instances in %d pages, want 25 in 3", len(all), pages)
	}
	for i, in := range all {
		if in.Index != int32(i) || in.Item != items[i] || in.Name != fmt.Sprintf("work-%d", i) {
			t.Errorf("instance %d: %+v", i, in)
		}
		if i != 13 && (in.Phase != mlv1alpha1.TaskSucceeded || len(in.Outputs) != 1 || in.Outputs[0].Value != items[i]) {
			t.Errorf("instance %d: %s %+v", i, in.Phase, in.Outputs)
		}
	}
	failed, err := getTasks(t, ns, "wide", map[string]string{"phase": "Failed"})
	if err != nil || len(failed.Items) != 1 || failed.Items[0].Index != 13 || failed.Items[0].Attempts[0].ExitCode == nil || *failed.Items[0].Attempts[0].ExitCode != 3 {
		t.Errorf("failed instances: %+v, %v", failed, err)
	}
	for q, what := range map[string]map[string]string{
		"an unknown phase":  {"phase": "Sleeping"},
		"a foreign token":   {"continue": "bm90IGEga2V5"},
		"a negative limit":  {"limit": "-1"},
		"a task not a name": {"task": "Work/0"},
	} {
		if _, err := getTasks(t, ns, "wide", what); !apierrors.IsBadRequest(err) {
			t.Errorf("%s: %v, want 400", q, err)
		}
	}
	if _, err := getTasks(t, ns, "nope", nil); !apierrors.IsNotFound(err) {
		t.Errorf("tasks of a missing run: %v, want 404", err)
	}

	// The instances go with the run.
	prefix := taskstore.DefaultPrefix + "/" + ns + "/" + string(done.UID) + "/"
	if keys := etcdKeys(t, prefix); len(keys) != 25 {
		t.Fatalf("%d instance keys in etcd, want 25", len(keys))
	}
	if err := runs.Delete(ctx, "wide", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		return len(etcdKeys(t, prefix)) == 0, nil
	}); err != nil {
		t.Errorf("instance keys left after the run was deleted: %v", etcdKeys(t, prefix))
	}
}
