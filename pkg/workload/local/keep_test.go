package local

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// fakeArchiver archives as the server does: it reads the replica's log
// from the runtime's LogSource (so the replica must still be there), or
// fails with err.
type fakeArchiver struct {
	source workload.LogSource
	err    error

	mu   sync.Mutex
	logs map[string]string
}

func (a *fakeArchiver) Archive(ctx context.Context, owner schema.GroupKind, namespace, ownerName, pod, podUID string) error {
	a.mu.Lock()
	err := a.err
	a.mu.Unlock()
	if err != nil {
		return err
	}
	text := ""
	if a.source != nil {
		p, err := a.source.GetPod(ctx, namespace, pod)
		if err != nil {
			return err
		}
		if string(p.UID) != podUID {
			return apierrors.NewConflict(schema.GroupResource{Resource: "pods"}, pod, errors.New("another pod"))
		}
		rc, err := a.source.Stream(ctx, namespace, pod, workload.PodLogOptions{})
		if err != nil {
			return err
		}
		data, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			return err
		}
		text = string(data)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.logs == nil {
		a.logs = map[string]string{}
	}
	a.logs[ownerName+"/"+pod] = text
	return nil
}

func (a *fakeArchiver) archived() map[string]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := map[string]string{}
	for k, v := range a.logs {
		out[k] = v
	}
	return out
}

func replicaDirs(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := filepath.Glob(filepath.Join(dir, "replicas", "*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// A runtime started on the directory of an earlier one keeps the logs of
// the replicas that one ran (finished, or stopped by the restart): it
// serves them as finished pods, archives them, and only then removes
// their directories. A replica whose log was archived before the restart,
// and a directory that says nothing of its replica, go at once.
func TestRestartKeepsLogsUntilArchived(t *testing.T) {
	dir := t.TempDir()
	first, err := New(Config{Dir: dir, Confinement: testConfinement(t)})
	if err != nil {
		t.Fatal(err)
	}
	o := owner("job", "1")
	ctx := context.Background()
	for _, spec := range []workload.ReplicaSpec{
		shReplica("job-0", `echo one; echo two`),
		shReplica("job-1", `echo failed; exit 3`),
		shReplica("job-2", `echo archived`),
	} {
		if _, err := first.EnsureReplica(ctx, o, spec); err != nil {
			t.Fatal(err)
		}
	}
	running := shReplica("job-3", `echo running; exec sleep 300`)
	if _, err := first.EnsureReplica(ctx, o, running); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"job-0", "job-1", "job-2"} {
		waitFor(t, first, o, name, finished)
	}
	waitFor(t, first, o, "job-3", func(s workload.ReplicaStatus) bool { return s.Phase == workload.PhaseRunning })
	before := map[string]string{}
	for _, name := range []string{"job-0", "job-1", "job-3"} {
		before["job/"+name] = readAll(t, first.LogSource(), name, workload.PodLogOptions{})
	}
	// job-2's log was archived before the restart.
	first.mu.Lock()
	archived := first.replicas[cache.ObjectName{Namespace: "ns", Name: "job-2"}]
	first.mu.Unlock()
	if err := first.archiveOnce(ctx, &fakeArchiver{}, archived); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "replicas", "ns", "unknown-0-uid"), 0o700); err != nil {
		t.Fatal(err)
	}

	// A crash: the first runtime stops nothing.
	second := newRuntime(t, dir)
	if list, _ := second.ListReplicas(o); len(list) != 0 {
		t.Errorf("the new runtime lists %v: replicas are not adopted", list)
	}
	if got := len(replicaDirs(t, dir)); got != 3 {
		t.Errorf("%d replica directories after the restart, want the 3 whose logs are not archived: %v", got, replicaDirs(t, dir))
	}
	for _, name := range []string{"job-0", "job-1", "job-3"} {
		p, err := second.LogSource().GetPod(ctx, "ns", name)
		if err != nil {
			t.Fatalf("pod %s after the restart: %v", name, err)
		}
		if !p.Finished || p.ControllerUID != o.UID || p.Labels["job"] != "job" {
			t.Errorf("pod %s after the restart: %+v, want finished, controlled by %s, with its labels", name, p, o.UID)
		}
		if got := readAll(t, second.LogSource(), name, workload.PodLogOptions{}); got != before["job/"+name] {
			t.Errorf("log of %s after the restart: %q, want %q", name, got, before["job/"+name])
		}
	}
	if _, err := second.LogSource().GetPod(ctx, "ns", "job-2"); !apierrors.IsNotFound(err) {
		t.Errorf("pod job-2, archived before the restart: %v, want not found", err)
	}

	a := &fakeArchiver{source: second.LogSource()}
	second.ArchiveLeftovers(ctx, a)
	if diff := cmp.Diff(before, a.archived()); diff != "" {
		t.Errorf("archived after the restart (-want +got):\n%s", diff)
	}
	if left := replicaDirs(t, dir); len(left) != 0 {
		t.Errorf("directories left once archived: %v", left)
	}
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	first.Shutdown(sctx)
}

// While ArchiveLogs runs, a replica's log is archived once its process
// ended, and a deleted replica's log is archived after it stopped and
// before its directory is removed; an archive that fails for a reason that
// may pass keeps the directory for the next start.
func TestLogsArchivedWhenProcessesEnd(t *testing.T) {
	dir := t.TempDir()
	r := newRuntime(t, dir)
	a := &fakeArchiver{source: r.LogSource()}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.ArchiveLogs(ctx, a)
	}()
	defer func() { cancel(); <-done }()
	o := owner("job", "1")
	if _, err := r.EnsureReplica(ctx, o, shReplica("job-0", `echo done`)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.EnsureReplica(ctx, o, shReplica("job-1", `echo up; exec sleep 300`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, o, "job-0", finished)
	deadline := time.Now().Add(60 * time.Second)
	for a.archived()["job/job-0"] == "" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := a.archived()["job/job-0"]; got != "done\n" {
		t.Errorf("archived log of the finished replica: %q", got)
	}
	if _, err := os.Stat(filepath.Join(replicaDir(t, r, "job-0"), archivedFile)); err != nil {
		t.Errorf("the finished replica's directory is not marked archived: %v", err)
	}

	waitFor(t, r, o, "job-1", func(s workload.ReplicaStatus) bool { return s.Phase == workload.PhaseRunning })
	for readAll(t, r.LogSource(), "job-1", workload.PodLogOptions{}) != "up\n" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	dir1 := replicaDir(t, r, "job-1")
	if err := r.DeleteReplica(ctx, o, "job-1", ""); err != nil {
		t.Fatal(err)
	}
	waitGoneFromList(t, r, o, "job-1")
	if got := a.archived()["job/job-1"]; got != "up\n" {
		t.Errorf("archived log of the deleted replica: %q", got)
	}
	if _, err := os.Stat(dir1); !os.IsNotExist(err) {
		t.Errorf("the deleted replica's directory: %v, want it removed", err)
	}

	// The server is unavailable: the directory stays.
	a.mu.Lock()
	a.err = apierrors.NewServiceUnavailable("not now")
	a.mu.Unlock()
	if _, err := r.EnsureReplica(ctx, o, shReplica("job-2", `echo kept`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, o, "job-2", finished)
	dir2 := replicaDir(t, r, "job-2")
	if err := r.DeleteReplica(ctx, o, "job-2", ""); err != nil {
		t.Fatal(err)
	}
	waitGoneFromList(t, r, o, "job-2")
	if _, err := os.Stat(LogPath(dir2)); err != nil {
		t.Errorf("the log of a replica that could not be archived: %v, want it kept", err)
	}

	// The archive is full: the removal goes on, as on a cluster.
	a.mu.Lock()
	a.err = apierrors.NewTooManyRequests("the store of logs and metric points is full", 0)
	a.mu.Unlock()
	if _, err := r.EnsureReplica(ctx, o, shReplica("job-3", `echo refused`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, o, "job-3", finished)
	dir3 := replicaDir(t, r, "job-3")
	if err := r.DeleteReplica(ctx, o, "job-3", ""); err != nil {
		t.Fatal(err)
	}
	waitGoneFromList(t, r, o, "job-3")
	if _, err := os.Stat(dir3); !os.IsNotExist(err) {
		t.Errorf("the directory of a replica the full archive refused: %v, want it removed", err)
	}
}

// A rotated log left by an earlier runtime reads, after the restart, as it
// read before: the part its files still hold.
func TestLeftoverLogAcrossRotation(t *testing.T) {
	dir := t.TempDir()
	limits := LogLimits{MaxSize: 64 << 10, MaxFiles: 3}
	first, err := New(Config{Dir: dir, Log: limits, Confinement: testConfinement(t)})
	if err != nil {
		t.Fatal(err)
	}
	o := owner("job", "1")
	if _, err := first.EnsureReplica(context.Background(), o, shReplica("job-0", numbered(1, 3000))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, first, o, "job-0", finished)
	files, _ := logFilesOf(t, replicaDir(t, first, "job-0"))
	if len(files) < 2 {
		t.Fatalf("log files %v: want a rotated log", files)
	}
	before := readAll(t, first.LogSource(), "job-0", workload.PodLogOptions{})

	second, err := New(Config{Dir: dir, Log: limits, Confinement: testConfinement(t)})
	if err != nil {
		t.Fatal(err)
	}
	after := readAll(t, second.LogSource(), "job-0", workload.PodLogOptions{})
	if after != before {
		t.Errorf("the rotated log after the restart differs: %d bytes, before %d", len(after), len(before))
	}
	checkConsecutive(t, strings.Split(strings.TrimSuffix(after, "\n"), "\n"), 3000)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	first.Shutdown(ctx)
	second.Shutdown(ctx)
}

// A served set's replica (a Model's or Notebook's server) that a scale
// down stops is archived, still readable while it is, before its
// directory goes.
func TestServedSetReplicaArchivedBeforeRemoval(t *testing.T) {
	r := newRuntime(t, t.TempDir())
	a := &fakeArchiver{source: r.LogSource()}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.ArchiveLogs(ctx, a)
	}()
	defer func() { cancel(); <-done }()
	o := owner("model", "1")
	spec := workload.ServedSetSpec{
		Name: "srv", Replicas: 2, Stable: true,
		Selector: map[string]string{"app": "srv"},
		Template: shReplica("", `echo serving; exec sleep 300`).Template,
	}
	spec.Template.Labels = map[string]string{"app": "srv"}
	if _, err := r.EnsureServedSet(ctx, o, spec); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if p, err := r.LogSource().GetPod(ctx, "ns", "srv-1"); err == nil && len(p.Containers) == 1 {
			if rc, err := r.LogSource().Stream(ctx, "ns", "srv-1", workload.PodLogOptions{}); err == nil {
				data, _ := io.ReadAll(rc)
				_ = rc.Close()
				if string(data) == "serving\n" {
					break
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	spec.Replicas = 1
	if _, err := r.EnsureServedSet(ctx, o, spec); err != nil {
		t.Fatal(err)
	}
	for a.archived()["model/srv-1"] == "" && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if got := a.archived()["model/srv-1"]; got != "serving\n" {
		t.Errorf("archived log of the stopped server: %q, want %q", got, "serving\n")
	}
	for len(replicaDirs(t, r.dir)) > 1 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if dirs := replicaDirs(t, r.dir); len(dirs) != 1 {
		t.Errorf("replica directories %v, want the one of srv-0", dirs)
	}
}
