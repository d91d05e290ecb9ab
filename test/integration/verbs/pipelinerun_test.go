package verbs

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/cmdtest"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// diamond is a pipeline listed out of order: prepare fans out to two work
// instances and check, gather joins them, notify runs finally.
func diamond() *mlv1alpha1.PipelineSpec {
	prepare := task("prepare", `echo preparing; echo split=2 > "$ML_TERMINATION_MESSAGE_PATH"; echo prepared`)
	prepare.Outputs = []mlv1alpha1.TaskOutput{{Name: "split"}}
	work := task("work", `echo working on $(item) of $(tasks.prepare.outputs.split); sleep 1; echo worked on $(item)`, "prepare")
	work.ForEach = &mlv1alpha1.ForEach{Items: []string{"a", "b"}}
	return &mlv1alpha1.PipelineSpec{
		Tasks: []mlv1alpha1.PipelineTask{
			task("gather", `echo gathered`, "work", "check"),
			prepare,
			work,
			task("check", `echo checked`, "prepare"),
		},
		Finally: []mlv1alpha1.PipelineTask{task("notify", `echo run $(run.status)`)},
	}
}

// The diamond runs to the end as processes; `kubectl ml get` shows its task
// tree, `kubectl ml logs` its merged logs in execution order, and `kubectl
// ml tree` its tasks' processes.
func TestDiamondRun(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := t.Context()
	run := &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "diamond"},
		Spec:       mlv1alpha1.PipelineRunSpec{PipelineSpec: diamond()},
	}
	if _, err := server.Clientset().MlV1alpha1().PipelineRuns(ns).Create(ctx, run, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	done := waitRun(t, ns, "diamond", ended)
	if done.Status.Phase != mlv1alpha1.PipelineRunSucceeded {
		t.Fatalf("run ended %s: %+v", done.Status.Phase, done.Status.Tasks)
	}

	cmdtest.Golden(t, "get-diamond", strings.ReplaceAll(normalize(mustML(t, ns, "get", "plr/diamond")), ns, "NAMESPACE"))

	var printed mlv1alpha1.PipelineRun
	if err := json.Unmarshal([]byte(mustML(t, ns, "get", "pipelinerun/diamond", "-o", "json")), &printed); err != nil {
		t.Fatalf("get -o json: %v", err)
	}
	if printed.Kind != "PipelineRun" || printed.UID != done.UID {
		t.Errorf("get -o json printed %s %s, want PipelineRun %s", printed.Kind, printed.UID, done.UID)
	}

	// Merged logs: every task's lines after those of the tasks it waited for.
	// (Read until every task's lines are there: right after the run ends
	// a log may be between its process and the archive.)
	var logs string
	if err := wait.PollUntilContextTimeout(ctx, time.Second, time.Minute, true, func(context.Context) (bool, error) {
		logs = mustML(t, ns, "logs", "plr/diamond")
		return strings.Contains(logs, "[notify]") && strings.Count(logs, "\n") == 9, nil
	}); err != nil {
		t.Fatalf("merged logs never had every task's lines: %v\n%s", err, logs)
	}
	first := map[string]int{}
	last := map[string]int{}
	for i, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		label, _, _ := strings.Cut(strings.TrimPrefix(line, "["), "]")
		if _, ok := first[label]; !ok {
			first[label] = i
		}
		last[label] = i
	}
	for _, edge := range [][2]string{
		{"prepare", "work-0"}, {"prepare", "work-1"}, {"prepare", "check"},
		{"work-0", "gather"}, {"work-1", "gather"}, {"check", "gather"}, {"gather", "notify"},
	} {
		before, after := edge[0], edge[1]
		if _, ok := first[after]; !ok || last[before] > first[after] {
			t.Errorf("merged logs: [%s] lines must all come before [%s]'s:\n%s", before, after, logs)
		}
	}

	tree := mustML(t, ns, "tree", "plr/diamond")
	for _, want := range []string{"pipelinerun/diamond", "task/gather", "task/work", "instances (2)", "2 Succeeded", "process/", "Exited 0"} {
		if !strings.Contains(tree, want) {
			t.Errorf("tree lacks %q:\n%s", want, tree)
		}
	}
}
