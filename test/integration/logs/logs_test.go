package logs

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/storage/logstore"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// TestLogs runs every log test against one server.
func TestLogs(t *testing.T) {
	e := start(t)
	t.Run("OptionsValidation", func(t *testing.T) { testOptionsValidation(t, e) })
	t.Run("MergeWithPrefixes", func(t *testing.T) { testMerge(t, e) })
	t.Run("FollowEndsWithSource", func(t *testing.T) { testFollowEnds(t, e) })
	t.Run("DisconnectCancelsSource", func(t *testing.T) { testDisconnect(t, e) })
	t.Run("ArchiveRoundTrip", func(t *testing.T) { testArchive(t, e) })
	t.Run("ArchiveCapKeepsTail", func(t *testing.T) { testArchiveCap(t, e) })
	t.Run("OwnerDeletionRemovesArchive", func(t *testing.T) { testOwnerDeletion(t, e) })
	t.Run("ArchiveOnlyOwnPods", func(t *testing.T) { testArchiveOwnPods(t, e) })
	t.Run("PipelineRunTasks", func(t *testing.T) { testPipelineRunTasks(t, e) })
	t.Run("PipelineRunOrder", func(t *testing.T) { testPipelineRunOrder(t, e) })
}

func testOptionsValidation(t *testing.T, e *env) {
	ns := framework.NewNamespace(t)
	e.job(t, ns, "train", 1)
	for _, tc := range []struct {
		params map[string]string
		code   int
		field  string
	}{
		{map[string]string{"tailLines": "-1"}, http.StatusBadRequest, "tailLines"},
		{map[string]string{"tailLines": "ten"}, http.StatusBadRequest, `tailLines: "ten" is not an integer`},
		{map[string]string{"limitBytes": "1k"}, http.StatusBadRequest, `limitBytes: "1k" is not an integer`},
		{map[string]string{"sinceSeconds": "0"}, http.StatusBadRequest, "sinceSeconds"},
		{map[string]string{"limitBytes": "-5"}, http.StatusBadRequest, "limitBytes"},
		{map[string]string{"task": "train"}, http.StatusBadRequest, "task"},
		{map[string]string{"container": "Not_A_Name"}, http.StatusBadRequest, "container"},
		{map[string]string{"replica": "7"}, http.StatusNotFound, "replica 7"},
	} {
		t.Run(fmt.Sprint(tc.params), func(t *testing.T) {
			err := e.logRequest(ns, "train", tc.params).Do(t.Context()).Error()
			status, ok := err.(apierrors.APIStatus)
			if !ok {
				t.Fatalf("error %v, want a %d status", err, tc.code)
			}
			if got := int(status.Status().Code); got != tc.code || !strings.Contains(status.Status().Message, tc.field) {
				t.Errorf("got %d %q, want %d naming %q", got, status.Status().Message, tc.code, tc.field)
			}
		})
	}
	// A missing object is 404.
	if err := e.logRequest(ns, "absent", nil).Do(t.Context()).Error(); !apierrors.IsNotFound(err) {
		t.Errorf("log of a missing job: %v, want 404", err)
	}
}

func testMerge(t *testing.T, e *env) {
	ns := framework.NewNamespace(t)
	e.job(t, ns, "ddp", 2)
	e.source.Write(ns, "ddp-0", "trainer", "epoch 1 loss=0.9\nepoch 2 loss=0.5\n")
	e.source.Write(ns, "ddp-1", "trainer", "worker up\nno newline at the end")

	got := e.readLog(t, t.Context(), ns, "ddp", nil)
	want := "[replica-0] epoch 1 loss=0.9\n[replica-0] epoch 2 loss=0.5\n[replica-1] worker up\n[replica-1] no newline at the end\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("merged log (-want +got):\n%s", diff)
	}
	got = e.readLog(t, t.Context(), ns, "ddp", map[string]string{"replica": "1"})
	if diff := cmp.Diff("worker up\nno newline at the end", got); diff != "" {
		t.Errorf("replica 1 (-want +got):\n%s", diff)
	}
	got = e.readLog(t, t.Context(), ns, "ddp", map[string]string{"tailLines": "1"})
	if diff := cmp.Diff("[replica-0] epoch 2 loss=0.5\n[replica-1] no newline at the end\n", got); diff != "" {
		t.Errorf("tailLines=1 (-want +got):\n%s", diff)
	}
	got = e.readLog(t, t.Context(), ns, "ddp", map[string]string{"limitBytes": "20"})
	if diff := cmp.Diff(want[:20], got); diff != "" {
		t.Errorf("limitBytes=20 (-want +got):\n%s", diff)
	}
}

// readLines reads n lines from r.
func readLines(t *testing.T, r *bufio.Reader, n int) []string {
	t.Helper()
	var out []string
	for range n {
		l, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("after %q: %v", out, err)
		}
		out = append(out, l)
	}
	return out
}

func testFollowEnds(t *testing.T, e *env) {
	ns := framework.NewNamespace(t)
	e.job(t, ns, "follow", 2)
	e.source.Write(ns, "follow-0", "trainer", "a1\n")
	rc, err := e.logRequest(ns, "follow", map[string]string{"follow": "true"}).Stream(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	r := bufio.NewReader(rc)
	if diff := cmp.Diff([]string{"[replica-0] a1\n"}, readLines(t, r, 1)); diff != "" {
		t.Errorf("first line (-want +got):\n%s", diff)
	}
	// Lines written while following arrive as they are written.
	e.source.Write(ns, "follow-1", "trainer", "b1\n")
	if diff := cmp.Diff([]string{"[replica-1] b1\n"}, readLines(t, r, 1)); diff != "" {
		t.Errorf("followed line (-want +got):\n%s", diff)
	}
	e.source.Write(ns, "follow-0", "trainer", "a2\n")
	e.source.End(ns, "follow-0", "trainer")
	if diff := cmp.Diff([]string{"[replica-0] a2\n"}, readLines(t, r, 1)); diff != "" {
		t.Errorf("followed line (-want +got):\n%s", diff)
	}
	// The pods end, and so does the job: the answer ends cleanly. (While
	// the job runs, a follow waits for pods that replace ended ones.)
	e.source.Write(ns, "follow-1", "trainer", "b2 done\n")
	e.source.End(ns, "follow-1", "trainer")
	e.setPhase(t, ns, "follow", mlv1alpha1.TrainingJobSucceeded)
	rest, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("end of a followed log: %v", err)
	}
	if diff := cmp.Diff("[replica-1] b2 done\n", string(rest)); diff != "" {
		t.Errorf("rest (-want +got):\n%s", diff)
	}
}

func testDisconnect(t *testing.T, e *env) {
	ns := framework.NewNamespace(t)
	e.job(t, ns, "gone", 2)
	e.source.Write(ns, "gone-0", "trainer", "x\n")
	before := e.source.Cancelled()
	ctx, cancel := context.WithCancel(t.Context())
	rc, err := e.logRequest(ns, "gone", map[string]string{"follow": "true"}).Stream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	readLines(t, bufio.NewReader(rc), 1)
	if n := e.source.Active(); n != 2 {
		t.Errorf("%d upstream streams open while following 2 replicas", n)
	}
	cancel()
	_ = rc.Close()
	// The server cancels both upstream streams, whose logs never end.
	if err := wait.PollUntilContextTimeout(t.Context(), 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return e.source.Active() == 0, nil
	}); err != nil {
		t.Fatalf("upstream streams still open after the client went away: %d", e.source.Active())
	}
	if got := e.source.Cancelled() - before; got != 2 {
		t.Errorf("%d upstream streams cancelled, want 2", got)
	}
}

// archive asks the server to archive a pod's logs.
func (e *env) archive(ctx context.Context, ns, job, pod string) (*mlv1alpha1.LogArchiveRequest, error) {
	out := &mlv1alpha1.LogArchiveRequest{}
	err := e.cs.MlV1alpha1().RESTClient().Post().Namespace(ns).Resource("trainingjobs").Name(job).SubResource("log").
		Body(&mlv1alpha1.LogArchiveRequest{PodName: pod}).Do(ctx).Into(out)
	return out, err
}

func testArchive(t *testing.T, e *env) {
	ns := framework.NewNamespace(t)
	e.job(t, ns, "arch", 2)
	e.source.Write(ns, "arch-0", "trainer", "step 1\nstep 2\nstep 3\n")
	e.source.Write(ns, "arch-1", "trainer", "worker\n")
	e.source.End(ns, "arch-0", "trainer")
	for _, pod := range []string{"arch-0", "arch-1"} {
		res, err := e.archive(t.Context(), ns, "arch", pod)
		if err != nil {
			t.Fatalf("archive %s: %v", pod, err)
		}
		if len(res.Status.Streams) != 1 || res.Status.Streams[0].Container != "trainer" {
			t.Errorf("archive %s: status %+v", pod, res.Status)
		}
	}
	live := e.readLog(t, t.Context(), ns, "arch", nil)
	e.source.DeletePod(ns, "arch-0")
	e.source.DeletePod(ns, "arch-1")

	// Gone pods: the same log, from the archive.
	if diff := cmp.Diff(live, e.readLog(t, t.Context(), ns, "arch", nil)); diff != "" {
		t.Errorf("archived log differs from the live one (-live +archived):\n%s", diff)
	}
	got := e.readLog(t, t.Context(), ns, "arch", map[string]string{"replica": "0", "tailLines": "2"})
	if diff := cmp.Diff("step 2\nstep 3\n", got); diff != "" {
		t.Errorf("archived tail (-want +got):\n%s", diff)
	}
	got = e.readLog(t, t.Context(), ns, "arch", map[string]string{"replica": "1", "timestamps": "true"})
	ts, text, _ := strings.Cut(got, " ")
	if _, err := time.Parse(time.RFC3339Nano, ts); err != nil || text != "worker\n" {
		t.Errorf("archived log with timestamps %q: %v", got, err)
	}
	// Following an archived log of a job that ended returns it and ends.
	e.setPhase(t, ns, "arch", mlv1alpha1.TrainingJobSucceeded)
	got = e.readLog(t, t.Context(), ns, "arch", map[string]string{"follow": "true", "replica": "1"})
	if got != "worker\n" {
		t.Errorf("followed archived log %q", got)
	}
}

func testArchiveCap(t *testing.T, e *env) {
	ns := framework.NewNamespace(t)
	e.job(t, ns, "big", 1)
	var full strings.Builder
	for i := range 8000 {
		fmt.Fprintf(&full, "iteration %05d loss=%.4f\n", i, 1/float64(i+1))
	}
	e.source.Write(ns, "big-0", "trainer", full.String())
	res, err := e.archive(t.Context(), ns, "big", "big-0")
	if err != nil {
		t.Fatal(err)
	}
	s := res.Status.Streams[0]
	if s.StoredBytes > archiveCap || s.Bytes <= archiveCap {
		t.Errorf("archived %d of %d bytes, cap %d", s.StoredBytes, s.Bytes, archiveCap)
	}
	e.source.DeletePod(ns, "big-0")
	got := e.readLog(t, t.Context(), ns, "big", map[string]string{"replica": "0"})
	if len(got) == 0 || len(got) > archiveCap || !strings.HasSuffix(full.String(), got) || !strings.HasPrefix(got, "iteration ") {
		t.Errorf("archived %d bytes, want the tail of the log from a whole line, at most %d", len(got), archiveCap)
	}
	if !strings.HasSuffix(got, "iteration 07999 loss=0.0001\n") {
		t.Errorf("archive lost the end of the log: ...%q", got[max(0, len(got)-40):])
	}
}

func testOwnerDeletion(t *testing.T, e *env) {
	ns := framework.NewNamespace(t)
	job := e.job(t, ns, "del", 1)
	e.source.Write(ns, "del-0", "trainer", "bye\n")
	if _, err := e.archive(t.Context(), ns, "del", "del-0"); err != nil {
		t.Fatal(err)
	}
	// The embedded etcd's address and client certificate.
	client, err := (&options.DataStoreOptions{}).NewEtcdClient(e.server.Etcd)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	store := logstore.NewEtcd(logstore.EtcdConfig{Client: client})
	if list, err := store.List(t.Context(), ns, job.UID); err != nil || len(list) != 1 {
		t.Fatalf("archive before deletion: %d logs, %v", len(list), err)
	}
	if err := e.cs.MlV1alpha1().TrainingJobs(ns).Delete(t.Context(), "del", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if list, err := store.List(t.Context(), ns, job.UID); err != nil || len(list) != 0 {
		t.Errorf("archive after the job was deleted: %d logs, %v", len(list), err)
	}
}

func testArchiveOwnPods(t *testing.T, e *env) {
	ns := framework.NewNamespace(t)
	e.job(t, ns, "mine", 1)
	e.job(t, ns, "theirs", 1)
	_, err := e.archive(t.Context(), ns, "mine", "theirs-0")
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "podName") {
		t.Errorf("archiving another job's pod: %v, want 422 naming podName", err)
	}
	if _, err := e.archive(t.Context(), ns, "mine", "nope"); !apierrors.IsNotFound(err) {
		t.Errorf("archiving a missing pod: %v, want 404", err)
	}
}
