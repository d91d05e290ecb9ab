package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/plan"
	"ml.example.io/ml-apiserver/test/e2e/framework"
)

// kwokLogs is kwok's Logs kind: a Logs object named like a pod makes
// kwok's kubelet endpoint serve the pod's log from a file in CRI format.
var kwokLogs = schema.GroupVersionResource{Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "logs"}

// criLines writes lines in the CRI log format kwok reads.
func criLines(lines ...string) string {
	var b strings.Builder
	now := time.Now().UTC()
	for i, l := range lines {
		fmt.Fprintf(&b, "%s stdout F %s\n", now.Add(time.Duration(i)*time.Millisecond).Format(time.RFC3339Nano), l)
	}
	return b.String()
}

// podLogFiles makes kwok serve text as the log of each pod's trainer
// container, following the file, and returns the files.
func podLogFiles(ctx context.Context, t *testing.T, ns string, logs map[string]string) map[string]string {
	t.Helper()
	return containerLogFiles(ctx, t, ns, "trainer", logs)
}

// containerLogFiles makes kwok serve text as the log of container in each
// pod, following the file, and returns the files.
func containerLogFiles(ctx context.Context, t *testing.T, ns, container string, logs map[string]string) map[string]string {
	t.Helper()
	dir := filepath.Join(cluster.LocalUpDir, "pod-logs")
	dyn := framework.Dynamic(t, cluster.Config())
	files := map[string]string{}
	for pod, text := range logs {
		file := filepath.Join(dir, ns+"_"+pod+".log")
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Remove(file) })
		files[pod] = file
		obj := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "kwok.x-k8s.io/v1alpha1",
			"kind":       "Logs",
			"metadata":   map[string]any{"name": pod, "namespace": ns},
			"spec": map[string]any{"logs": []any{map[string]any{
				"containers": []any{container}, "logsFile": file, "follow": true,
			}}},
		}}
		if _, err := dyn.Resource(kwokLogs).Namespace(ns).Create(ctx, obj, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create kwok Logs %s: %v", pod, err)
		}
	}
	return files
}

// TestLogs reads the log subresource of a running TrainingJob whose pods
// write log text (kwok serves it), follows it, reads it again from the
// archive after the pods are gone, and checks who may read it.
func TestLogs(t *testing.T) {
	if cluster.LocalUpDir == "" {
		t.Skip("pod logs need kwok's log files: a local-up cluster")
	}
	ctx := testContext(t, 4*time.Minute)
	e := newTJEnv(t)
	const name = "logs"
	pods := podNames(name, 2)
	files := podLogFiles(ctx, t, e.ns, map[string]string{
		pods[0]: criLines("epoch 1 loss=0.91", "epoch 2 loss=0.52"),
		pods[1]: criLines("worker 1 ready"),
	})
	job := mltesting.NewTrainingJob(name, e.ns).Replicas(2).Obj()
	job.Spec.CleanPodPolicy = mlv1alpha1.CleanPodPolicyAll
	e.create(ctx, t, job)
	e.waitRunning(ctx, t, name, pods...)

	path := fmt.Sprintf("/apis/ml.example.io/v1alpha1/namespaces/%s/trainingjobs/%s/log", e.ns, name)
	want := "[replica-0] epoch 1 loss=0.91\n[replica-0] epoch 2 loss=0.52\n[replica-1] worker 1 ready\n"
	var got string
	eventually(t, shortTimeout, "kubectl get --raw .../log shows both replicas", func() (bool, string) {
		r := e.kubectl.Run(t, "get", "--raw", path)
		got = r.Stdout
		return r.Err == nil && got == want, fmt.Sprintf("got %q (err %v, %s)", got, r.Err, r.Stderr)
	})
	if out := e.kubectl.MustRun(t, "get", "--raw", path+"?replica=1"); out != "worker 1 ready\n" {
		t.Errorf("replica=1: %q", out)
	}
	t.Run("Follow", func(t *testing.T) { testFollowLive(ctx, t, e, name, files[pods[1]]) })
	// Following wrote a line to replica 1's log.
	want += "[replica-1] worker 1 step 10\n"
	t.Run("RBAC", func(t *testing.T) { testLogRBAC(ctx, t, e, path, want) })

	// The job ends; cleanPodPolicy All deletes its pods, after their logs
	// were archived.
	e.exitPods(t, 0, "", pods...)
	framework.WaitTrainingJob(ctx, t, e.ml, e.ns, name, jobTimeout, "Succeeded", framework.JobPhase(mlv1alpha1.TrainingJobSucceeded))
	if err := wait.PollUntilContextTimeout(ctx, pollInterval, jobTimeout, true, func(ctx context.Context) (bool, error) {
		return len(framework.JobPods(ctx, t, e.kube, e.ns, name)) == 0, nil
	}); err != nil {
		t.Fatalf("the pods of the job were not deleted: %v", err)
	}
	out := e.kubectl.MustRun(t, "get", "--raw", path)
	if out != want {
		t.Errorf("log after the pods were deleted (from the archive): %q, want %q", out, want)
	}
}

// testFollowLive follows the job through kube-apiserver and sees a line
// written to a pod's log while following.
func testFollowLive(ctx context.Context, t *testing.T, e tjEnv, name, file string) {
	ctx, cancel := context.WithTimeout(ctx, shortTimeout)
	defer cancel()
	rc, err := e.ml.MlV1alpha1().RESTClient().Get().Namespace(e.ns).Resource("trainingjobs").Name(name).
		SubResource("log").Param("follow", "true").Param("replica", "1").Stream(ctx)
	if err != nil {
		t.Fatalf("follow: %v", err)
	}
	defer rc.Close()
	r := bufio.NewReader(rc)
	if l, err := r.ReadString('\n'); err != nil || l != "worker 1 ready\n" {
		t.Fatalf("first followed line %q: %v", l, err)
	}
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString(criLines("worker 1 step 10"))
	_ = f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if l, err := r.ReadString('\n'); err != nil || l != "worker 1 step 10\n" {
		t.Fatalf("line written while following %q: %v", l, err)
	}
}

// testLogRBAC checks that a view user reads the log and a user who may
// get TrainingJobs but not their log gets 403.
func testLogRBAC(ctx context.Context, t *testing.T, e tjEnv, path, want string) {
	const viewer, nolog = "log-viewer", "log-denied"
	kube := framework.Kube(t, cluster.Config())
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "trainingjobs-only"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{mlv1alpha1.GroupName}, Resources: []string{"trainingjobs"}, Verbs: []string{"get", "list"}}},
	}
	if _, err := kube.RbacV1().Roles(e.ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, b := range []struct{ user, kind, role string }{{viewer, "ClusterRole", "view"}, {nolog, "Role", role.Name}} {
		rb := &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: b.user},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: b.kind, Name: b.role},
			Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: b.user}},
		}
		if _, err := kube.RbacV1().RoleBindings(e.ns).Create(ctx, rb, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, shortTimeout, "the bindings take effect", func() (bool, string) {
		return canI(t, e.kubectl, viewer, "get", "trainingjobs", "log", e.ns) && canI(t, e.kubectl, nolog, "get", "trainingjobs", "", e.ns), ""
	})
	if canI(t, e.kubectl, nolog, "get", "trainingjobs", "log", e.ns) {
		t.Fatalf("%s may get trainingjobs/log", nolog)
	}
	if out := e.kubectl.MustRun(t, "--as", viewer, "get", "--raw", path); out != want {
		t.Errorf("log as a view user: %q, want %q", out, want)
	}
	err := framework.ML(t, cluster.ConfigAs(nolog)).MlV1alpha1().RESTClient().Get().AbsPath(path).Do(ctx).Error()
	if !apierrors.IsForbidden(err) {
		t.Errorf("log as a user without get trainingjobs/log: %v, want 403", err)
	}
	// The same user reads the job itself: only the subresource is denied.
	if _, err := framework.ML(t, cluster.ConfigAs(nolog)).MlV1alpha1().TrainingJobs(e.ns).Get(ctx, "logs", metav1.GetOptions{}); err != nil {
		t.Errorf("get the job as %s: %v", nolog, err)
	}
}

// TestLogsFollowNewTask follows a PipelineRun through kube-apiserver while
// its first task runs: the second task's pod, which starts after the first
// ended, is followed too, and the answer ends with the run.
func TestLogsFollowNewTask(t *testing.T) {
	if cluster.LocalUpDir == "" {
		t.Skip("pod logs need kwok's log files: a local-up cluster")
	}
	ctx := testContext(t, 4*time.Minute)
	e := newPLREnv(t)
	const name = "chain"
	containerLogFiles(ctx, t, e.ns, "task", map[string]string{
		plan.PodName(name, "first", 1):  criLines("first 1", "first 2"),
		plan.PodName(name, "second", 1): criLines("second 1"),
	})
	first := plrTask("first")
	simulate(&first, 0, "8s", "")
	second := plrTask("second")
	second.DependsOn = []string{"first"}
	e.create(ctx, t, inlineRun(name, mlv1alpha1.PipelineSpec{Tasks: []mlv1alpha1.PipelineTask{first, second}}))

	// Open the follow while the first task runs (it runs for 8 s).
	logs := e.ml.MlV1alpha1().RESTClient().Get().Namespace(e.ns).Resource("pipelineruns").Name(name).SubResource("log")
	eventually(t, shortTimeout, "the first task's log shows", func() (bool, string) {
		out, err := logs.DoRaw(ctx)
		return err == nil && strings.Contains(string(out), "first 1"), fmt.Sprintf("%q, %v", out, err)
	})
	rc, err := e.ml.MlV1alpha1().RESTClient().Get().Namespace(e.ns).Resource("pipelineruns").Name(name).
		SubResource("log").Param("follow", "true").Stream(ctx)
	if err != nil {
		t.Fatalf("follow: %v", err)
	}
	defer rc.Close()
	r := bufio.NewReader(rc)
	for _, want := range []string{"[first] first 1\n", "[first] first 2\n"} {
		if l, err := r.ReadString('\n'); err != nil || l != want {
			t.Fatalf("followed line %q (%v), want %q", l, err, want)
		}
	}
	rest, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read the follow to its end: %q, %v", rest, err)
	}
	if got, want := string(rest), "[second] second 1\n"; got != want {
		t.Errorf("after the first task: %q, want %q", got, want)
	}
	// The answer ended with the run.
	run, err := e.ml.MlV1alpha1().PipelineRuns(e.ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if run.Status.Phase != mlv1alpha1.PipelineRunSucceeded {
		t.Errorf("run %s when the follow ended, want Succeeded\n%s", run.Status.Phase, describeRun(run))
	}
}
