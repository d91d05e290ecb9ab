package local

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"

	"ml.example.io/ml-apiserver/pkg/workload"
)

func readAll(t *testing.T, s workload.LogSource, name string, o workload.PodLogOptions) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rc, err := s.Stream(ctx, "ns", name, o)
	if err != nil {
		t.Fatalf("Stream(%s, %+v): %v", name, o, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return string(data)
}

func ptr[T any](v T) *T { return &v }

func TestLogSource(t *testing.T) {
	r := newRuntime(t, t.TempDir())
	o := owner("job", "1")
	s := r.LogSource()
	if _, err := r.EnsureReplica(context.Background(), o, shReplica("job-0", `for i in 1 2 3 4 5; do echo "line $i"; done; sleep 0.3; echo err >&2`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, o, "job-0", finished)

	pods, err := s.ListPods(context.Background(), "ns", labels.SelectorFromSet(map[string]string{"job": "job"}))
	if err != nil || len(pods) != 1 || pods[0].Name != "job-0" || !pods[0].Finished || pods[0].ControllerUID != o.UID || pods[0].Containers[0] != "main" {
		t.Fatalf("ListPods = %+v, %v", pods, err)
	}
	if pods, _ := s.ListPods(context.Background(), "other", labels.Everything()); len(pods) != 0 {
		t.Errorf("another namespace lists %v", pods)
	}
	if _, err := s.GetPod(context.Background(), "ns", "nope"); !apierrors.IsNotFound(err) {
		t.Errorf("GetPod of a missing replica: %v, want NotFound", err)
	}

	if got := readAll(t, s, "job-0", workload.PodLogOptions{}); got != "line 1\nline 2\nline 3\nline 4\nline 5\nerr\n" {
		t.Errorf("whole log %q", got)
	}
	if got := readAll(t, s, "job-0", workload.PodLogOptions{TailLines: ptr(int64(2))}); got != "line 5\nerr\n" {
		t.Errorf("tail 2: %q", got)
	}
	if got := readAll(t, s, "job-0", workload.PodLogOptions{LimitBytes: ptr(int64(10))}); got != "line 1\nlin" {
		t.Errorf("limit 10 bytes: %q", got)
	}
	got := readAll(t, s, "job-0", workload.PodLogOptions{Timestamps: true, TailLines: ptr(int64(1))})
	ts, text, _ := strings.Cut(got, " ")
	if _, err := time.Parse(time.RFC3339Nano, ts); err != nil || text != "err\n" {
		t.Errorf("timestamps: %q", got)
	}
	if got := readAll(t, s, "job-0", workload.PodLogOptions{SinceSeconds: ptr(int64(3600))}); !strings.HasPrefix(got, "line 1\n") {
		t.Errorf("since an hour: %q", got)
	}
	if _, err := s.Stream(context.Background(), "ns", "job-0", workload.PodLogOptions{Previous: true}); !apierrors.IsBadRequest(err) {
		t.Errorf("previous of a replica that ran once: %v, want BadRequest", err)
	}
}

func TestLogSourceFollowAndPrevious(t *testing.T) {
	r := newRuntime(t, t.TempDir())
	o := owner("job", "1")
	s := r.LogSource()
	// Runs twice: fails once (restart on failure), then succeeds.
	spec := shReplica("job-0", `if [ -e .ran ]; then echo second; sleep 1; echo done; exit 0; fi; touch .ran; echo first; exit 1`)
	spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
	if _, err := r.EnsureReplica(context.Background(), o, spec); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, o, "job-0", func(s workload.ReplicaStatus) bool { return s.Restarts == 1 && s.Phase == workload.PhaseRunning })
	// Follow from the second run: ends by itself when the process ends.
	if got := readAll(t, s, "job-0", workload.PodLogOptions{Follow: true}); got != "second\ndone\n" {
		t.Errorf("followed log %q", got)
	}
	if got := readAll(t, s, "job-0", workload.PodLogOptions{Previous: true}); got != "first\n" {
		t.Errorf("previous run's log %q", got)
	}

	// Following a long-running replica stops when the client goes away.
	if _, err := r.EnsureReplica(context.Background(), o, shReplica("long", `echo start; sleep 300`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, o, "long", func(s workload.ReplicaStatus) bool { return s.Phase == workload.PhaseRunning })
	ctx, cancel := context.WithCancel(context.Background())
	rc, err := s.Stream(ctx, "ns", "long", workload.PodLogOptions{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 6)
	if _, err := io.ReadFull(rc, buf); err != nil || string(buf) != "start\n" {
		t.Fatalf("first line %q, %v", buf, err)
	}
	cancel()
	done := make(chan error, 1)
	go func() { _, err := io.ReadAll(rc); done <- err }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a follow did not end after its context was cancelled")
	}
}
