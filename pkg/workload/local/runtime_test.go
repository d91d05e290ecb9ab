package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"ml.example.io/ml-apiserver/pkg/workload"
)

var jobKind = schema.GroupVersionKind{Group: "ml.example.io", Version: "v1alpha1", Kind: "TrainingJob"}

func newRuntime(t *testing.T, dir string) *Runtime {
	t.Helper()
	r, err := New(Config{Dir: dir, MaxGracePeriod: 2 * time.Second, Labels: map[string]string{"managed": "test"}, Confinement: testConfinement(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r.Shutdown(ctx)
	})
	return r
}

func owner(name, uid string) workload.Owner {
	return workload.NewOwner(&metav1.ObjectMeta{Namespace: "ns", Name: name, UID: types.UID("uid-" + uid)}, jobKind, map[string]string{"job": name})
}

func shReplica(name, script string, env ...corev1.EnvVar) workload.ReplicaSpec {
	return workload.ReplicaSpec{Name: name, Template: corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"index": "0"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "main", Image: "ignored", Command: []string{"sh", "-c"}, Args: []string{script}, Env: env,
		}}},
	}}
}

// waitFor polls owner's replica name until cond holds.
func waitFor(t *testing.T, r *Runtime, o workload.Owner, name string, cond func(workload.ReplicaStatus) bool) workload.ReplicaStatus {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last workload.ReplicaStatus
	for time.Now().Before(deadline) {
		list, err := r.ListReplicas(o)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range list {
			if s.Name == name {
				last = s
				if cond(s) {
					return s
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("replica %s never reached the condition; last status %+v", name, last)
	return last
}

func finished(s workload.ReplicaStatus) bool { return s.Finished() }

func replicaDir(t *testing.T, r *Runtime, name string) string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	rep, ok := r.replicas[cache.ObjectName{Namespace: "ns", Name: name}]
	if !ok {
		t.Fatalf("no replica %s", name)
	}
	return rep.dir
}

func TestReplicaRunsCommandWithEnvironment(t *testing.T) {
	r := newRuntime(t, t.TempDir())
	o := owner("job", "1")
	var mu sync.Mutex
	var notified []cache.ObjectName
	if err := r.AddOwnerHandler(jobKind.GroupKind(), func(n cache.ObjectName) {
		mu.Lock()
		defer mu.Unlock()
		notified = append(notified, n)
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.EnsureService(context.Background(), o, workload.ServiceSpec{Name: "job", Headless: true}); err != nil {
		t.Fatal(err)
	}
	spec := shReplica("job-0", `echo "rank=$RANK master=$MASTER_ADDR:$MASTER_PORT name=$POD_NAME $1 $2"; echo oops >&2; printf 'accuracy=0.9\nmodel=/tmp/m' > "$ML_TERMINATION_MESSAGE_PATH"`,
		corev1.EnvVar{Name: "RANK", Value: "0"},
		corev1.EnvVar{Name: "MASTER_ADDR", Value: "job-0.job"},
		corev1.EnvVar{Name: "MASTER_PORT", Value: "29500"},
		corev1.EnvVar{Name: "LR", Value: "0.1"},
		corev1.EnvVar{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
	)
	// $(VAR) in args is expanded from the container's env, $$ escapes it.
	spec.Template.Spec.Containers[0].Args = append(spec.Template.Spec.Containers[0].Args, "sh", "lr=$$(LR)", "$(LR)")
	created, err := r.EnsureReplica(context.Background(), o, spec)
	if err != nil || !created {
		t.Fatalf("EnsureReplica = %v, %v", created, err)
	}
	if created, err := r.EnsureReplica(context.Background(), o, spec); err != nil || created {
		t.Fatalf("second EnsureReplica = %v, %v; want false, nil", created, err)
	}
	dir := replicaDir(t, r, "job-0")
	s := waitFor(t, r, o, "job-0", finished)
	if s.Phase != workload.PhaseSucceeded || s.ExitCode == nil || *s.ExitCode != 0 || s.Reason != "Completed" {
		t.Errorf("status %+v, want Succeeded with exit code 0", s)
	}
	if s.TerminationMessage != "accuracy=0.9\nmodel=/tmp/m" {
		t.Errorf("termination message %q", s.TerminationMessage)
	}
	if s.Labels["job"] != "job" || s.Labels["index"] != "0" || s.Labels["managed"] != "test" {
		t.Errorf("labels %v: want the template's, the owner's and the runtime's", s.Labels)
	}
	if s.StartTime == nil || s.FinishTime == nil || s.FinishTime.Before(s.StartTime) {
		t.Errorf("times %v, %v", s.StartTime, s.FinishTime)
	}
	data, err := os.ReadFile(LogPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 {
		t.Fatalf("log %q: want 2 lines", data)
	}
	var stdout, stderr string
	for _, l := range lines {
		parts := strings.SplitN(l, " ", 4)
		if _, err := time.Parse(time.RFC3339Nano, parts[0]); err != nil || parts[2] != "F" {
			t.Errorf("log line %q is not in the CRI format", l)
		}
		if parts[1] == "stdout" {
			stdout = parts[3]
		} else {
			stderr = parts[3]
		}
	}
	if want := "rank=0 master=127.0.0.1:29500 name=job-0 lr=$(LR) 0.1"; stdout != want {
		t.Errorf("stdout %q, want %q", stdout, want)
	}
	if stderr != "oops" {
		t.Errorf("stderr %q", stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(notified) < 2 || notified[0] != (cache.ObjectName{Namespace: "ns", Name: "job"}) {
		t.Errorf("handler calls %v: want the owner at start and at the end", notified)
	}
}

func TestReplicaFailures(t *testing.T) {
	r := newRuntime(t, t.TempDir())
	o := owner("job", "1")
	ctx := context.Background()

	fail := shReplica("exit-3", "echo 'no data'; exit 3")
	fail.Template.Spec.Containers[0].TerminationMessagePolicy = corev1.TerminationMessageFallbackToLogsOnError
	if _, err := r.EnsureReplica(ctx, o, fail); err != nil {
		t.Fatal(err)
	}
	s := waitFor(t, r, o, "exit-3", finished)
	if s.Phase != workload.PhaseFailed || *s.ExitCode != 3 || s.Reason != "Error" || s.TerminationMessage != "no data" {
		t.Errorf("status %+v: want Failed, exit code 3, the log as message", s)
	}

	noCmd := shReplica("no-command", "")
	noCmd.Template.Spec.Containers[0].Command, noCmd.Template.Spec.Containers[0].Args = nil, nil
	if _, err := r.EnsureReplica(ctx, o, noCmd); err != nil {
		t.Fatal(err)
	}
	s = waitFor(t, r, o, "no-command", finished)
	if s.Phase != workload.PhaseFailed || s.Reason != "CreateContainerConfigError" || !strings.Contains(s.Message, "ignores images") {
		t.Errorf("status %+v: want a config error about the missing command", s)
	}

	secret := shReplica("secret", "true", corev1.EnvVar{Name: "TOKEN", ValueFrom: &corev1.EnvVarSource{
		SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "s"}, Key: "k"}}})
	if _, err := r.EnsureReplica(ctx, o, secret); err != nil {
		t.Fatal(err)
	}
	s = waitFor(t, r, o, "secret", finished)
	if s.Phase != workload.PhaseFailed || !strings.Contains(s.Message, "env TOKEN") {
		t.Errorf("status %+v: want a failure naming env TOKEN", s)
	}

	other := owner("other", "2")
	if _, err := r.EnsureReplica(ctx, other, shReplica("exit-3", "true")); !errors.Is(err, workload.ErrNotOwned) {
		t.Errorf("a replica name of another owner: err %v, want ErrNotOwned", err)
	}
	if list, _ := r.ListReplicas(other); len(list) != 0 {
		t.Errorf("other owner lists %v", list)
	}
}

func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	// A zombie is dead too.
	st, err := procStat(pid)
	return err == nil && st.State != "Z"
}

// pids starts a replica that records its own pid and a child's, and
// returns both once they run.
func startWithChild(t *testing.T, r *Runtime, o workload.Owner, name, trap string) (int, int) {
	t.Helper()
	pidFile := filepath.Join(sharedDir(t), name+".pids")
	script := trap + `sleep 300 & echo "$$$$ $!" > ` + pidFile + `.tmp; mv ` + pidFile + `.tmp ` + pidFile + `; wait`
	if _, err := r.EnsureReplica(context.Background(), o, shReplica(name, script)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(pidFile); err == nil {
			var sh, child int
			if _, err := fmt.Sscanf(string(data), "%d %d", &sh, &child); err == nil {
				return sh, child
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the replica did not start")
	return 0, 0
}

func TestDeleteStopsTheProcessGroup(t *testing.T) {
	r := newRuntime(t, t.TempDir())
	o := owner("job", "1")
	ctx := context.Background()

	sh, child := startWithChild(t, r, o, "polite", "")
	s := waitFor(t, r, o, "polite", func(s workload.ReplicaStatus) bool { return s.Phase == workload.PhaseRunning })
	if !s.Ready {
		t.Errorf("a running replica without probes must be ready")
	}
	if err := r.DeleteReplica(ctx, o, "polite", "not-its-uid"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if !alive(sh) {
		t.Fatalf("a delete with another UID stopped the replica")
	}
	dir := replicaDir(t, r, "polite")
	if err := r.DeleteReplica(ctx, o, "polite", s.UID); err != nil {
		t.Fatal(err)
	}
	waitGoneFromList(t, r, o, "polite")
	if alive(sh) || alive(child) {
		t.Errorf("processes %d (alive %v) and its child %d (alive %v) must be gone", sh, alive(sh), child, alive(child))
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the replica's directory is left: %v", err)
	}

	// A process that ignores SIGTERM is killed after the grace period (2s
	// at most here).
	sh, child = startWithChild(t, r, o, "stubborn", "trap '' TERM; ")
	start := time.Now()
	if err := r.DeleteReplica(ctx, o, "stubborn", ""); err != nil {
		t.Fatal(err)
	}
	waitGoneFromList(t, r, o, "stubborn")
	if alive(sh) || alive(child) {
		t.Errorf("a process ignoring SIGTERM survived its deletion")
	}
	if took := time.Since(start); took < time.Second {
		t.Errorf("the stubborn process was gone after %v: it must get its grace period", took)
	}
}

func waitGoneFromList(t *testing.T, r *Runtime, o workload.Owner, name string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		list, _ := r.ListReplicas(o)
		found := false
		for _, s := range list {
			found = found || s.Name == name
		}
		if !found {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("replica %s still listed", name)
}

func TestFinishedProcessLeavesNoChild(t *testing.T) {
	r := newRuntime(t, t.TempDir())
	o := owner("job", "1")
	pidFile := filepath.Join(sharedDir(t), "child")
	if _, err := r.EnsureReplica(context.Background(), o, shReplica("bg", `sleep 300 & echo $! > `+pidFile+`; exit 0`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, o, "bg", finished)
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	child, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	deadline := time.Now().Add(5 * time.Second)
	for alive(child) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if alive(child) {
		t.Errorf("a background child %d outlived its replica", child)
	}
}

func TestRestartStopsLeftovers(t *testing.T) {
	dir := t.TempDir()
	first, err := New(Config{Dir: dir, Confinement: testConfinement(t)})
	if err != nil {
		t.Fatal(err)
	}
	o := owner("job", "1")
	sh, child := startWithChild(t, first, o, "job-0", "")
	// The server stops without stopping its replicas (a crash); a new
	// runtime on the same directory must stop them.
	second := newRuntime(t, dir)
	if alive(sh) || alive(child) {
		t.Errorf("processes of the earlier run survived a new runtime on the same directory")
	}
	if list, _ := second.ListReplicas(o); len(list) != 0 {
		t.Errorf("the new runtime lists %v: replicas are not adopted", list)
	}
	// Its directory goes once its log is archived (keep_test.go).
	second.ArchiveLeftovers(context.Background(), &fakeArchiver{})
	entries, _ := filepath.Glob(filepath.Join(dir, "replicas", "*", "*"))
	if len(entries) != 0 {
		t.Errorf("directories left: %v", entries)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	first.Shutdown(ctx)
}

func TestExpand(t *testing.T) {
	vars := map[string]string{"A": "1", "B": "two"}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	cases := map[string]string{
		"":                "",
		"plain":           "plain",
		"$(A)":            "1",
		"x$(A)y$(B)z":     "x1ytwoz",
		"$$(A)":           "$(A)",
		"$(C)":            "$(C)",
		"$(A":             "$(A",
		"cost $5":         "cost $5",
		"end$":            "end$",
		"$$$(A)":          "$1",
		"--lr=$(A) $(B)]": "--lr=1 two]",
	}
	for in, want := range cases {
		if got := expand(in, lookup); got != want {
			t.Errorf("expand(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLocalValue(t *testing.T) {
	services := []localService{{name: "job", ports: map[int32]int{29500: 41234}}}
	cases := []struct{ name, in, want string }{
		{"MASTER_ADDR", "job", "127.0.0.1"},
		{"MASTER_ADDR", "job-0.job", "127.0.0.1"},
		{"PET_RDZV_ENDPOINT", "job-0.job:29500", "127.0.0.1:41234"},
		{"MASTER_ADDR", "job-0.job.ns.svc", "127.0.0.1"},
		{"MASTER_ADDR", "job-0.job.ns.svc.cluster.local", "127.0.0.1"},
		{"URL", "http://job.ns.svc:80/x", "http://127.0.0.1:80/x"},
		{"MASTER_PORT", "29500", "41234"},
		{"PET_MASTER_PORT", "29500", "41234"},
		{"EPOCHS", "29500", "29500"},
		{"MASTER_PORT", "8080", "8080"},
		{"HOST", "other", "other"},
		{"HOST", "job-0.other", "job-0.other"},
		{"HOST", "a.b.job", "a.b.job"},
		{"TF_CONFIG", `{"cluster":{"worker":["job-0.job.ns.svc:29500","job-1.job.ns.svc:29500"]}}`,
			`{"cluster":{"worker":["127.0.0.1:41234","127.0.0.1:41234"]}}`},
		{"HOSTS", "job-0.job.ns.svc,job-1.job.ns.svc", "127.0.0.1,127.0.0.1"},
		{"ML_OUTPUT_URI", "file:///tmp/out/job/model.json", "file:///tmp/out/job/model.json"},
		{"DATA", "/data/job", "/data/job"},
		{"ARGS", "--master=job-0.job:29500", "--master=127.0.0.1:41234"},
		{"URL", "http://user@job:80", "http://user@127.0.0.1:80"},
		{"NAME", "my-job", "my-job"},
	}
	for _, tc := range cases {
		if got := localValue(tc.name, tc.in, "ns", services); got != tc.want {
			t.Errorf("localValue(%s=%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestImageIgnoredWarning(t *testing.T) {
	r := newRuntime(t, t.TempDir())
	recorder := record.NewFakeRecorder(10)
	r.SetEventRecorder(recorder)
	o := owner("job", "1")
	for _, name := range []string{"job-0", "job-1"} {
		spec := shReplica(name, "true")
		spec.Template.Spec.Containers[0].Image = "pytorch/pytorch:2.5.1"
		if _, err := r.EnsureReplica(context.Background(), o, spec); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case e := <-recorder.Events:
		if !strings.Contains(e, "Warning ImageIgnored") || !strings.Contains(e, "pytorch/pytorch:2.5.1") {
			t.Errorf("event %q", e)
		}
	default:
		t.Fatal("no event about the ignored image")
	}
	select {
	case e := <-recorder.Events:
		t.Errorf("a second event %q: an owner is told once", e)
	default:
	}
}
