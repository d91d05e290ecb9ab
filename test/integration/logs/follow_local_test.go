package logs

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// localTimeout bounds each step of the tests with real processes: long,
// so that a loaded machine does not fail them.
const localTimeout = 3 * time.Minute

// TestFollowLocal follows objects of a standalone server whose controllers
// run them as real processes, while the controllers replace a failed
// replica and start a retry and the next task: the follow streams the new
// processes too, repeats nothing, and ends with the object.
func TestFollowLocal(t *testing.T) {
	server := framework.StartTestServerWith(t, func(o *options.Options) {
		o.Controllers.Controllers = []string{"*"}
	})
	cs := server.Clientset()
	t.Run("ReplacedReplica", func(t *testing.T) { testFollowReplacedReplica(t, cs) })
	t.Run("RetryAndNextTask", func(t *testing.T) { testFollowRetryAndNextTask(t, cs) })
}

// shell is a container running a shell script as a process.
func shell(script string) mlv1alpha1.ContainerSpec {
	return mlv1alpha1.ContainerSpec{Image: "ignored", Command: []string{"sh", "-c", script}}
}

// openFollow opens GET .../<resource>/<name>/log?follow=true.
func openFollow(ctx context.Context, t *testing.T, cs versioned.Interface, ns, resource, name string) *bufio.Reader {
	t.Helper()
	rc, err := cs.MlV1alpha1().RESTClient().Get().Namespace(ns).Resource(resource).Name(name).
		SubResource("log").Param("follow", "true").Stream(ctx)
	if err != nil {
		t.Fatalf("follow %s/%s: %v", resource, name, err)
	}
	t.Cleanup(func() { _ = rc.Close() })
	return bufio.NewReader(rc)
}

// readLine reads one line of a follow.
func readLine(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	l, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("read a followed line: %q, %v", l, err)
	}
	return l
}

// readRest reads a follow to its end, which must come cleanly.
func readRest(t *testing.T, r *bufio.Reader) []string {
	t.Helper()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read the follow to its end: %q, %v", data, err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// waitStarted waits until the log of the object shows its first line, so
// that a follow opened then finds the first pod running.
func waitStarted(ctx context.Context, t *testing.T, cs versioned.Interface, ns, resource, name, line string) {
	t.Helper()
	var last string
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, localTimeout, true, func(ctx context.Context) (bool, error) {
		out, err := cs.MlV1alpha1().RESTClient().Get().Namespace(ns).Resource(resource).Name(name).SubResource("log").DoRaw(ctx)
		last = string(out)
		return err == nil && strings.Contains(last, line), nil
	})
	if err != nil {
		t.Fatalf("%s %s never logged %q: %v; log %q", resource, name, line, err, last)
	}
}

func touch(t *testing.T, file string) {
	t.Helper()
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
}

// The only replica of a job fails once, after the follow opened; the
// controller replaces its pod (same name, new UID) and the replacement
// succeeds.
func testFollowReplacedReplica(t *testing.T, cs versioned.Interface) {
	ns := framework.NewNamespace(t)
	ctx, cancel := context.WithTimeout(t.Context(), localTimeout)
	defer cancel()
	dir := framework.SharedDir(t)
	tried, proceed := filepath.Join(dir, "tried"), filepath.Join(dir, "go")
	job := &mlv1alpha1.TrainingJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "flaky"},
		Spec: mlv1alpha1.TrainingJobSpec{
			Replicas:     ptr.To[int32](1),
			BackoffLimit: ptr.To[int32](2),
			ContainerSpec: shell(`if [ -e ` + tried + ` ]; then echo "second run"; exit 0; fi
touch ` + tried + `
echo "first run started"
while [ ! -e ` + proceed + ` ]; do sleep 0.1; done
echo "first run failing"
exit 3`),
		},
	}
	jobs := cs.MlV1alpha1().TrainingJobs(ns)
	if _, err := jobs.Create(ctx, job, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitStarted(ctx, t, cs, ns, "trainingjobs", "flaky", "first run started")
	r := openFollow(ctx, t, cs, ns, "trainingjobs", "flaky")
	if got := readLine(t, r); got != "[replica-0] first run started\n" {
		t.Fatalf("first followed line %q", got)
	}
	touch(t, proceed)
	want := []string{"[replica-0] first run failing\n", "[replica-0] second run\n"}
	if diff := cmp.Diff(want, readRest(t, r)); diff != "" {
		t.Errorf("followed through the replacement (-want +got):\n%s", diff)
	}
	// The follow ended with the job, which replaced its pod once.
	done, err := jobs.Get(ctx, "flaky", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if done.Status.Phase != mlv1alpha1.TrainingJobSucceeded || done.Status.Restarts != 1 {
		t.Errorf("job %s with %d restarts when the follow ended, want Succeeded after 1", done.Status.Phase, done.Status.Restarts)
	}
}

// A run's first task fails its first attempt after the follow opened and
// is retried; the second task starts after the retry succeeded.
func testFollowRetryAndNextTask(t *testing.T, cs versioned.Interface) {
	ns := framework.NewNamespace(t)
	ctx, cancel := context.WithTimeout(t.Context(), localTimeout)
	defer cancel()
	dir := framework.SharedDir(t)
	tried, proceed := filepath.Join(dir, "tried"), filepath.Join(dir, "go")
	first := mlv1alpha1.PipelineTask{Name: "first", ContainerSpec: shell(`if [ -e ` + tried + ` ]; then echo "attempt 2"; exit 0; fi
touch ` + tried + `
echo "attempt 1 started"
while [ ! -e ` + proceed + ` ]; do sleep 0.1; done
echo "attempt 1 failing"
exit 3`)}
	first.Retries = &mlv1alpha1.RetryPolicy{Limit: 1, Backoff: &mlv1alpha1.Backoff{Duration: "1s"}}
	second := mlv1alpha1.PipelineTask{Name: "second", DependsOn: []string{"first"}, ContainerSpec: shell(`echo "second 1"; echo "second 2"`)}
	run := &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "chain"},
		Spec:       mlv1alpha1.PipelineRunSpec{PipelineSpec: &mlv1alpha1.PipelineSpec{Tasks: []mlv1alpha1.PipelineTask{first, second}}},
	}
	runs := cs.MlV1alpha1().PipelineRuns(ns)
	if _, err := runs.Create(ctx, run, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitStarted(ctx, t, cs, ns, "pipelineruns", "chain", "attempt 1 started")
	r := openFollow(ctx, t, cs, ns, "pipelineruns", "chain")
	if got := readLine(t, r); got != "[first] attempt 1 started\n" {
		t.Fatalf("first followed line %q", got)
	}
	touch(t, proceed)
	got := readRest(t, r)
	// Lines of different pods may interleave; those of one pod keep their
	// order, and each comes once.
	want := []string{"[first] attempt 1 failing\n", "[first] attempt 2\n", "[second] second 1\n", "[second] second 2\n"}
	sorted := slices.Sorted(slices.Values(got))
	if diff := cmp.Diff(want, sorted); diff != "" {
		t.Errorf("followed through the retry and the next task (-want +got):\n%s", diff)
	}
	if i, j := slices.Index(got, "[second] second 1\n"), slices.Index(got, "[second] second 2\n"); i > j {
		t.Errorf("the lines of task second out of order: %q", got)
	}
	// The follow ended with the run.
	done, err := runs.Get(ctx, "chain", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if done.Status.Phase != mlv1alpha1.PipelineRunSucceeded {
		t.Errorf("run %s when the follow ended, want Succeeded", done.Status.Phase)
	}
}
