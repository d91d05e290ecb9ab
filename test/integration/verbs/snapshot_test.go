package verbs

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/wait"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// maxDescribeLines bounds what `kubectl describe` of the finished diamond
// run prints besides status.tasks (six entries with their attempts, about
// 80 lines) and the events: metadata, spec, conditions and the reference
// to the snapshot. The snapshot itself (its five tasks' commands, images,
// dependencies and outputs) would be more than this alone.
const maxDescribeLines = 55

// linesBesidesTasks counts the lines of a `kubectl describe` output before
// its Events, but for those of the status.tasks list.
func linesBesidesTasks(out string) int {
	n, inTasks := 0, false
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "Events:"):
			return n
		case line == "  Tasks:":
			inTasks = true
			continue
		case inTasks && strings.HasPrefix(line, "    "):
			continue
		}
		inTasks = false
		n++
	}
	return n
}

// kubectl runs the machine's kubectl against the server and returns its
// standard output; it skips the test without kubectl.
func kubectl(t *testing.T, args ...string) string {
	t.Helper()
	return kubectlIn(t, "", args...)
}

// kubectlIn is kubectl with stdin.
func kubectlIn(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	path, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skipf("no kubectl on PATH: %v", err)
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+server.Kubeconfig, "HOME="+t.TempDir())
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kubectl %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// etcdKeys returns the keys of the server's etcd under prefix.
func etcdKeys(t *testing.T, prefix string) []string {
	t.Helper()
	client, err := (&options.DataStoreOptions{}).NewEtcdClient(server.Etcd)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Close() }()
	resp, err := client.Get(t.Context(), prefix, clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, kv := range resp.Kvs {
		keys = append(keys, string(kv.Key))
	}
	return keys
}

// snapshotKey is where the server stores the snapshot of a run.
func snapshotKey(run *mlv1alpha1.PipelineRun) string {
	return options.EtcdPathPrefix + "/ml.example.io/pipelinesnapshots/" + run.Namespace + "/" + string(run.UID)
}

// checkSnapshot checks that the pipeline subresource of run serves a
// snapshot whose hash is status.pipeline.hash and has the tasks of spec,
// and returns it.
func checkSnapshot(t *testing.T, run *mlv1alpha1.PipelineRun, spec *mlv1alpha1.PipelineSpec) *mlv1alpha1.Pipeline {
	t.Helper()
	if run.Status.PipelineSpec != nil || run.Status.Pipeline == nil {
		t.Fatalf("status carries pipelineSpec %v, pipeline %+v: want only the reference", run.Status.PipelineSpec != nil, run.Status.Pipeline)
	}
	p, err := server.Clientset().MlV1alpha1().PipelineRuns(run.Namespace).GetPipeline(t.Context(), run.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("GET the pipeline subresource: %v", err)
	}
	hash, err := mlv1alpha1.PipelineSnapshotHash(&p.Spec)
	if err != nil {
		t.Fatal(err)
	}
	if hash != run.Status.Pipeline.Hash || p.Annotations[mlv1alpha1.PipelineSnapshotHashAnnotation] != hash {
		t.Errorf("served snapshot hashes to %s (annotation %q), status.pipeline.hash is %s", hash, p.Annotations[mlv1alpha1.PipelineSnapshotHashAnnotation], run.Status.Pipeline.Hash)
	}
	if len(p.Spec.Tasks) != len(spec.Tasks) || len(p.Spec.Finally) != len(spec.Finally) || run.Status.Pipeline.Tasks != int32(len(spec.Tasks)+len(spec.Finally)) {
		t.Errorf("served snapshot has %d+%d tasks, status.pipeline.tasks %d; want %d+%d", len(p.Spec.Tasks), len(p.Spec.Finally), run.Status.Pipeline.Tasks, len(spec.Tasks), len(spec.Finally))
	}
	return p
}

// TestDescribeIsLean runs the diamond from a Pipeline: `kubectl describe`
// of the run is short and prints no script of the pipeline (the snapshot
// is out of the status), the pipeline subresource serves the snapshot
// under the hash the status names, and deleting the run deletes the
// snapshot from etcd.
func TestDescribeIsLean(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := t.Context()
	cs := server.Clientset().MlV1alpha1()
	spec := diamond()
	pipeline := &mlv1alpha1.Pipeline{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "diamond"}, Spec: *spec}
	if _, err := cs.Pipelines(ns).Create(ctx, pipeline, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	run := &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "lean"},
		Spec:       mlv1alpha1.PipelineRunSpec{PipelineRef: &mlv1alpha1.LocalObjectReference{Name: "diamond"}},
	}
	if _, err := cs.PipelineRuns(ns).Create(ctx, run, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	done := waitRun(t, ns, "lean", ended)
	if done.Status.Phase != mlv1alpha1.PipelineRunSucceeded {
		t.Fatalf("run ended %s: %+v", done.Status.Phase, done.Status.Tasks)
	}
	if ref := done.Status.Pipeline; ref == nil || ref.Name != "diamond" || ref.Generation != 1 || ref.ResourceVersion == "" {
		t.Errorf("status.pipeline %+v, want Pipeline diamond at generation 1 with its resourceVersion", ref)
	}
	checkSnapshot(t, done, spec)

	out := kubectl(t, "describe", "pipelinerun", "lean", "-n", ns)
	lines := linesBesidesTasks(out)
	t.Logf("kubectl describe pipelinerun lean: %d lines, %d besides status.tasks and events; kubectl describe pipeline diamond: %d lines",
		strings.Count(out, "\n"), lines, strings.Count(kubectl(t, "describe", "pipeline", "diamond", "-n", ns), "\n"))
	if lines > maxDescribeLines {
		t.Errorf("kubectl describe printed %d lines besides status.tasks and events, want at most %d:\n%s", lines, maxDescribeLines, out)
	}
	for _, tk := range append(spec.Tasks, spec.Finally...) {
		if script := tk.Command[len(tk.Command)-1]; strings.Contains(out, script) {
			t.Errorf("kubectl describe prints the script of task %s (%q):\n%s", tk.Name, script, out)
		}
	}
	for _, want := range []string{"Pipeline:", "Hash:", "sha256:", "gather"} {
		if !strings.Contains(out, want) {
			t.Errorf("kubectl describe lacks %q:\n%s", want, out)
		}
	}

	// The snapshot as a user reads it.
	raw := kubectl(t, "get", "--raw", "/apis/ml.example.io/v1alpha1/namespaces/"+ns+"/pipelineruns/lean/pipeline")
	var served mlv1alpha1.Pipeline
	if err := json.Unmarshal([]byte(raw), &served); err != nil || served.Kind != "Pipeline" || len(served.Spec.Tasks) != len(spec.Tasks) {
		t.Errorf("kubectl get --raw .../pipeline: kind %q, %d tasks, err %v:\n%s", served.Kind, len(served.Spec.Tasks), err, raw)
	}

	// As YAML, as docs/pipelines.md shows.
	yaml := kubectlIn(t, raw, "create", "-f", "-", "--dry-run=client", "-o", "yaml")
	if !strings.Contains(yaml, "kind: Pipeline") || !strings.Contains(yaml, "echo gathered") {
		t.Errorf("the snapshot through kubectl create --dry-run=client -o yaml:\n%s", yaml)
	}

	// The server orders merged logs by the snapshot's DAG: a task's lines
	// after those of the tasks it waited for, even when they started in
	// the same second.
	var logs string
	if err := wait.PollUntilContextTimeout(ctx, time.Second, time.Minute, true, func(context.Context) (bool, error) {
		logs = mustML(t, ns, "logs", "plr/lean")
		return strings.Contains(logs, "[notify]") && strings.Count(logs, "\n") == 9, nil
	}); err != nil {
		t.Fatalf("merged logs never had every task's lines: %v\n%s", err, logs)
	}
	first, last := map[string]int{}, map[string]int{}
	for i, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		label, _, _ := strings.Cut(strings.TrimPrefix(line, "["), "]")
		if _, ok := first[label]; !ok {
			first[label] = i
		}
		last[label] = i
	}
	for _, edge := range [][2]string{{"prepare", "work-0"}, {"prepare", "check"}, {"work-1", "gather"}, {"check", "gather"}, {"gather", "notify"}} {
		if _, ok := first[edge[1]]; !ok || last[edge[0]] > first[edge[1]] {
			t.Errorf("merged logs: [%s] lines must all come before [%s]'s:\n%s", edge[0], edge[1], logs)
		}
	}

	key := snapshotKey(done)
	if keys := etcdKeys(t, key); len(keys) != 1 {
		t.Fatalf("etcd keys under %s: %v, want the snapshot", key, keys)
	}
	if err := cs.PipelineRuns(ns).Delete(ctx, "lean", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := cs.PipelineRuns(ns).Get(ctx, "lean", metav1.GetOptions{})
		return apierrors.IsNotFound(err) && len(etcdKeys(t, key)) == 0, nil
	})
	if err != nil {
		t.Errorf("the snapshot is still in etcd after the run's deletion: %v", etcdKeys(t, key))
	}
}

// TestLegacySnapshotMigrated plants a run as the version before the
// pipeline subresource stored it, with the snapshot in
// status.pipelineSpec, straight into etcd: the controller's first sync
// moves the snapshot out (into the subresource), and the run completes.
func TestLegacySnapshotMigrated(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := t.Context()
	spec := diamond()
	legacy := &mlv1alpha1.PipelineRun{
		TypeMeta: metav1.TypeMeta{APIVersion: mlv1alpha1.SchemeGroupVersion.String(), Kind: "PipelineRun"},
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ns, Name: "old", UID: uuid.NewUUID(), Generation: 1,
			CreationTimestamp: metav1.Now(),
		},
		Spec:   mlv1alpha1.PipelineRunSpec{PipelineRef: &mlv1alpha1.LocalObjectReference{Name: "diamond"}},
		Status: mlv1alpha1.PipelineRunStatus{PipelineSpec: spec},
	}
	data, err := json.Marshal(legacy)
	if err != nil {
		t.Fatal(err)
	}
	client, err := (&options.DataStoreOptions{}).NewEtcdClient(server.Etcd)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Close() }()
	if _, err := client.Put(ctx, options.EtcdPathPrefix+"/ml.example.io/pipelineruns/"+ns+"/old", string(data)); err != nil {
		t.Fatal(err)
	}

	migrated := waitRun(t, ns, "old", func(r *mlv1alpha1.PipelineRun) bool { return r.Status.Pipeline != nil })
	checkSnapshot(t, migrated, spec)
	if keys := etcdKeys(t, snapshotKey(migrated)); len(keys) != 1 {
		t.Errorf("etcd keys of the migrated snapshot: %v", keys)
	}
	done := waitRun(t, ns, "old", ended)
	if done.Status.Phase != mlv1alpha1.PipelineRunSucceeded || len(done.Status.Tasks) != 5 {
		t.Errorf("migrated run ended %s with %d tasks: %+v", done.Status.Phase, len(done.Status.Tasks), done.Status.Tasks)
	}
	if done.Status.PipelineSpec != nil {
		t.Errorf("status.pipelineSpec is back after the run ran")
	}
}
