package logs_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/logs"
	"ml.example.io/ml-apiserver/pkg/registry/logs/logstest"
	"ml.example.io/ml-apiserver/pkg/workload"
)

const ns = "team"

// readTimeout bounds every wait of a test for a line: generous, so a
// loaded machine does not fail it; a test passes long before.
const readTimeout = 30 * time.Second

// objects is the storage of one object, changed by the test.
type objects struct {
	mu  sync.Mutex
	obj runtime.Object
	// gets counts reads: a follow reads its object at every look.
	gets int
}

func (o *objects) Get(_ context.Context, name string, _ *metav1.GetOptions) (runtime.Object, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.gets++
	if o.obj == nil {
		return nil, apierrors.NewNotFound(ml.Resource("things"), name)
	}
	return o.obj.DeepCopyObject(), nil
}

// update changes the object, and its resourceVersion as storage does.
func (o *objects) update(fn func(obj runtime.Object)) {
	o.mu.Lock()
	defer o.mu.Unlock()
	fn(o.obj)
	if m, err := meta.Accessor(o.obj); err == nil {
		v, _ := strconv.Atoi(m.GetResourceVersion())
		m.SetResourceVersion(strconv.Itoa(v + 1))
	}
}

// jobKind names pods like the TrainingJob log subresource: replica-<index>.
type jobKind struct{}

func (jobKind) Pods(obj runtime.Object) (labels.Selector, []string) {
	return labels.SelectorFromSet(labels.Set{"job": obj.(*ml.TrainingJob).Name}), nil
}

func (jobKind) Label(obj runtime.Object, pod *workload.Pod) (string, bool) {
	if pod.ControllerUID != obj.(*ml.TrainingJob).UID {
		return "", false
	}
	return "replica-" + pod.Labels["index"], true
}

func (jobKind) Select(_ runtime.Object, o *ml.LogOptions) (func(pod, label string) bool, field.ErrorList) {
	if o.Replica == "" {
		return logs.SelectAll, nil
	}
	return func(_, label string) bool { return label == "replica-"+o.Replica }, nil
}

// runKind names pods like the PipelineRun log subresource: by task, the
// latest attempt of each unless an attempt is asked for.
type runKind struct{}

func (runKind) Pods(obj runtime.Object) (labels.Selector, []string) {
	var names []string
	for _, t := range obj.(*ml.PipelineRun).Status.Tasks {
		for _, a := range t.Attempts {
			names = append(names, a.PodName)
		}
	}
	return nil, names
}

func (runKind) Label(obj runtime.Object, pod *workload.Pod) (string, bool) {
	for _, t := range obj.(*ml.PipelineRun).Status.Tasks {
		for _, a := range t.Attempts {
			if a.PodName == pod.Name {
				return t.Name, true
			}
		}
	}
	return "", false
}

func (runKind) Select(obj runtime.Object, o *ml.LogOptions) (func(pod, label string) bool, field.ErrorList) {
	want := map[string]bool{}
	for _, t := range obj.(*ml.PipelineRun).Status.Tasks {
		if o.Task != "" && t.Name != o.Task || len(t.Attempts) == 0 {
			continue
		}
		i := len(t.Attempts) - 1
		if o.Attempt != nil {
			i = int(*o.Attempt) - 1
		}
		if i < len(t.Attempts) {
			want[t.Attempts[i].PodName] = true
		}
	}
	return func(pod, _ string) bool { return want[pod] }, nil
}

type env struct {
	source  *logstest.Source
	store   *logstest.Archive
	objects *objects
	rest    *logs.REST
}

// sharedWatch makes newEnv's source a logstest.Watching: follows then read
// pods from its shared watch and look when it tells of a change, never
// because time passed (see TestFollowWithASharedPodWatch).
var sharedWatch bool

func newEnv(t *testing.T, kind logs.Kind, obj runtime.Object) *env {
	e := &env{source: logstest.New(), store: &logstest.Archive{}, objects: &objects{obj: obj}}
	var source workload.LogSource = e.source
	if sharedWatch {
		source = logstest.NewWatching(e.source)
	}
	e.rest = logs.NewREST(logs.Config{
		Resource: ml.Resource("things"),
		Objects:  e.objects,
		Kind:     kind,
		Source:   source,
		Archive:  e.store,
	})
	logs.SetPollsForTest(e.rest, 20*time.Millisecond, 20*time.Millisecond)
	if sharedWatch {
		logs.SetIdleForTest(e.rest, time.Hour)
	}
	return e
}

// archive archives a pod's log, as the controller asks before it deletes
// the pod.
func (e *env) archive(t *testing.T, owner, pod string) {
	t.Helper()
	ctx := genericapirequest.WithNamespace(t.Context(), ns)
	if _, err := e.rest.Create(ctx, owner, &ml.LogArchiveRequest{PodName: pod}, nil, &metav1.CreateOptions{}); err != nil {
		t.Fatalf("archive %s: %v", pod, err)
	}
}

// followed is an open follow, read line by line.
type followed struct {
	lines chan string
	err   chan error
	rc    io.ReadCloser
}

func (e *env) follow(t *testing.T, name string, o *ml.LogOptions) *followed {
	t.Helper()
	o.Follow = true
	ctx := genericapirequest.WithNamespace(t.Context(), ns)
	obj, err := e.rest.Get(ctx, name, o)
	if err != nil {
		t.Fatalf("follow: %v", err)
	}
	rc, _, _, err := obj.(rest.ResourceStreamer).InputStream(ctx, "v1alpha1", "text/plain")
	if err != nil {
		t.Fatal(err)
	}
	f := &followed{lines: make(chan string, 1000), err: make(chan error, 1), rc: rc}
	t.Cleanup(func() { _ = rc.Close() })
	go func() {
		br := bufio.NewReader(rc)
		for {
			l, err := br.ReadString('\n')
			if l != "" {
				f.lines <- l
			}
			if err != nil {
				f.err <- err
				close(f.lines)
				return
			}
		}
	}()
	return f
}

// next reads n lines.
func (f *followed) next(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	deadline := time.After(readTimeout)
	for len(out) < n {
		select {
		case l, ok := <-f.lines:
			if !ok {
				t.Fatalf("the follow ended (%v) after %q, want %d lines", <-f.err, out, n)
			}
			out = append(out, l)
		case <-deadline:
			t.Fatalf("%d lines read in %v, want %d: %q", len(out), readTimeout, n, out)
		}
	}
	return out
}

// rest reads until the follow ends, which must end cleanly.
func (f *followed) rest(t *testing.T) []string {
	t.Helper()
	var out []string
	deadline := time.After(readTimeout)
	for {
		select {
		case l, ok := <-f.lines:
			if !ok {
				if err := <-f.err; !errors.Is(err, io.EOF) {
					t.Errorf("the follow ended with %v, want its end", err)
				}
				return out
			}
			out = append(out, l)
		case <-deadline:
			t.Fatalf("the follow did not end in %v; read %q", readTimeout, out)
		}
	}
}

func trainingJob(replicas int32) *ml.TrainingJob {
	return &ml.TrainingJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "train", UID: "job-uid"},
		Spec:       ml.TrainingJobSpec{Replicas: &replicas},
		Status:     ml.TrainingJobStatus{Phase: ml.TrainingJobRunning},
	}
}

// addReplica adds a running pod of replica index of the job.
func (e *env) addReplica(index string, uid types.UID) {
	e.source.AddPod(ns, workload.Pod{
		Name: "train-" + index, UID: uid, ControllerUID: "job-uid",
		Labels: map[string]string{"job": "train", "index": index}, Containers: []string{"main"},
	})
}

func (e *env) setJobPhase(phase ml.TrainingJobPhase) {
	e.objects.update(func(obj runtime.Object) { obj.(*ml.TrainingJob).Status.Phase = phase })
}

// A replica's pod fails and the controller replaces it (same name, new
// UID) while the job is followed: the follow waits for the replacement,
// streams it from its first line, repeats nothing of the failed pod (live
// or archived), and ends when the job has ended.
func TestFollowStreamsAReplacedPod(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   ml.LogOptions
		prefix string
	}{
		{"all replicas", ml.LogOptions{}, "[replica-0] "},
		{"replica 0", ml.LogOptions{Replica: "0"}, ""},
		{"tail of 1 line", ml.LogOptions{TailLines: new(int64(1))}, "[replica-0] "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, jobKind{}, trainingJob(1))
			e.addReplica("0", "uid-1")
			e.source.Write(ns, "train-0", "main", "old line\nfirst run 1\n")
			f := e.follow(t, "train", &tc.opts)
			p := tc.prefix
			want := []string{p + "first run 1\n"}
			if tc.opts.TailLines == nil {
				want = append([]string{p + "old line\n"}, want...)
			}
			if diff := cmp.Diff(want, f.next(t, len(want))); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
			// The pod fails, its last line without a newline; its log is
			// archived and it is deleted.
			e.source.Write(ns, "train-0", "main", "first run 2 failing")
			e.source.End(ns, "train-0", "main")
			if diff := cmp.Diff([]string{p + "first run 2 failing\n"}, f.next(t, 1)); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
			e.archive(t, "train", "train-0")
			e.source.DeletePod(ns, "train-0")
			// Its replacement: the job runs on, so does the follow.
			e.addReplica("0", "uid-2")
			e.source.Write(ns, "train-0", "main", "second run 1\n")
			if diff := cmp.Diff([]string{p + "second run 1\n"}, f.next(t, 1)); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
			e.source.Write(ns, "train-0", "main", "second run 2\n")
			e.source.End(ns, "train-0", "main")
			e.archive(t, "train", "train-0")
			e.setJobPhase(ml.TrainingJobSucceeded)
			if diff := cmp.Diff([]string{p + "second run 2\n"}, f.rest(t)); diff != "" {
				t.Errorf("the rest (-want +got):\n%s", diff)
			}
		})
	}
}

// A job scaled up while followed: the new replica's lines come, prefixed.
func TestFollowStreamsANewReplica(t *testing.T) {
	e := newEnv(t, jobKind{}, trainingJob(1))
	e.addReplica("0", "uid-0")
	e.source.Write(ns, "train-0", "main", "r0 a\n")
	f := e.follow(t, "train", &ml.LogOptions{})
	if diff := cmp.Diff([]string{"[replica-0] r0 a\n"}, f.next(t, 1)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	e.addReplica("1", "uid-1")
	e.source.Write(ns, "train-1", "main", "r1 a\nr1 b\n")
	if diff := cmp.Diff([]string{"[replica-1] r1 a\n", "[replica-1] r1 b\n"}, f.next(t, 2)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	e.source.Write(ns, "train-0", "main", "r0 b\n")
	if diff := cmp.Diff([]string{"[replica-0] r0 b\n"}, f.next(t, 1)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	e.source.End(ns, "train-0", "main")
	e.source.End(ns, "train-1", "main")
	e.setJobPhase(ml.TrainingJobSucceeded)
	if rest := f.rest(t); len(rest) != 0 {
		t.Errorf("after the end: %q", rest)
	}
}

// Pods that come and go between two looks of the follow, or are replaced
// in between, are read from their archive, once. Here the follow looks
// only when every stream has ended (no periodic look): replica 2 keeps a
// stream open until the end.
func TestFollowReadsPodsGoneBetweenLooksFromTheArchive(t *testing.T) {
	e := newEnv(t, jobKind{}, trainingJob(3))
	logs.SetPollsForTest(e.rest, time.Hour, 20*time.Millisecond)
	e.addReplica("0", "uid-0a")
	e.addReplica("2", "uid-2")
	e.source.Write(ns, "train-0", "main", "0a 1\n")
	f := e.follow(t, "train", &ml.LogOptions{})
	if diff := cmp.Diff([]string{"[replica-0] 0a 1\n"}, f.next(t, 1)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	// Replica 1 comes, writes, fails and is archived and deleted; replica
	// 0 is replaced twice, the first replacement unseen.
	e.addReplica("1", "uid-1")
	e.source.Write(ns, "train-1", "main", "1 only\n")
	e.source.End(ns, "train-1", "main")
	e.archive(t, "train", "train-1")
	e.source.DeletePod(ns, "train-1")

	e.source.Write(ns, "train-0", "main", "0a 2\n")
	e.archive(t, "train", "train-0")
	e.source.DeletePod(ns, "train-0")
	e.addReplica("0", "uid-0b")
	e.source.Write(ns, "train-0", "main", "0b 1\n")
	e.source.End(ns, "train-0", "main")
	e.archive(t, "train", "train-0")
	e.source.DeletePod(ns, "train-0")
	e.addReplica("0", "uid-0c")
	e.source.Write(ns, "train-0", "main", "0c 1\n")
	e.source.End(ns, "train-0", "main")
	e.setJobPhase(ml.TrainingJobFailed)
	e.source.Write(ns, "train-2", "main", "2 last\n")
	e.source.End(ns, "train-2", "main")

	got := append([]string{"[replica-0] 0a 1\n"}, f.rest(t)...)
	want := []string{"[replica-0] 0a 1\n", "[replica-0] 0a 2\n", "[replica-0] 0b 1\n", "[replica-0] 0c 1\n", "[replica-1] 1 only\n", "[replica-2] 2 last\n"}
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("every line once (-want +got):\n%s", diff)
	}
}

func pipelineRun(tasks ...ml.PipelineTaskStatus) *ml.PipelineRun {
	return &ml.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "nightly", UID: "run-uid"},
		Status:     ml.PipelineRunStatus{Phase: ml.PipelineRunRunning, Tasks: tasks},
	}
}

func attempts(pods ...string) []ml.TaskAttempt {
	var out []ml.TaskAttempt
	for _, p := range pods {
		out = append(out, ml.TaskAttempt{PodName: p})
	}
	return out
}

func (e *env) addTaskPod(name string) {
	e.source.AddPod(ns, workload.Pod{Name: name, UID: types.UID("uid-" + name), ControllerUID: "run-uid", Containers: []string{"main"}})
}

func (e *env) setTasks(tasks ...ml.PipelineTaskStatus) {
	e.objects.update(func(obj runtime.Object) { obj.(*ml.PipelineRun).Status.Tasks = tasks })
}

// A run followed from its first task: the next task, which starts later,
// and a retry of it come too, each attempt from its first line; the follow
// ends with the run. Following one task that has not started waits for it.
func TestFollowStreamsLaterTasksAndRetries(t *testing.T) {
	e := newEnv(t, runKind{}, pipelineRun(
		ml.PipelineTaskStatus{Name: "prep", Attempts: attempts("nightly-prep-1")},
		ml.PipelineTaskStatus{Name: "train"},
	))
	e.addTaskPod("nightly-prep-1")
	e.source.Write(ns, "nightly-prep-1", "main", "prep 1\n")
	all := e.follow(t, "nightly", &ml.LogOptions{})
	train := e.follow(t, "nightly", &ml.LogOptions{Task: "train"})
	if diff := cmp.Diff([]string{"[prep] prep 1\n"}, all.next(t, 1)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	e.source.Write(ns, "nightly-prep-1", "main", "prep 2\n")
	e.source.End(ns, "nightly-prep-1", "main")
	if diff := cmp.Diff([]string{"[prep] prep 2\n"}, all.next(t, 1)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}

	e.addTaskPod("nightly-train-1")
	e.setTasks(
		ml.PipelineTaskStatus{Name: "prep", Attempts: attempts("nightly-prep-1")},
		ml.PipelineTaskStatus{Name: "train", Attempts: attempts("nightly-train-1")},
	)
	e.source.Write(ns, "nightly-train-1", "main", "train 1 failing\n")
	if diff := cmp.Diff([]string{"[train] train 1 failing\n"}, all.next(t, 1)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"train 1 failing\n"}, train.next(t, 1)); diff != "" {
		t.Fatalf("task=train (-want +got):\n%s", diff)
	}
	e.source.End(ns, "nightly-train-1", "main")

	e.addTaskPod("nightly-train-2")
	e.setTasks(
		ml.PipelineTaskStatus{Name: "prep", Attempts: attempts("nightly-prep-1")},
		ml.PipelineTaskStatus{Name: "train", Attempts: attempts("nightly-train-1", "nightly-train-2")},
	)
	e.source.Write(ns, "nightly-train-2", "main", "train 2 ok\n")
	if diff := cmp.Diff([]string{"[train] train 2 ok\n"}, all.next(t, 1)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"train 2 ok\n"}, train.next(t, 1)); diff != "" {
		t.Fatalf("task=train (-want +got):\n%s", diff)
	}
	e.source.End(ns, "nightly-train-2", "main")
	e.objects.update(func(obj runtime.Object) { obj.(*ml.PipelineRun).Status.Phase = ml.PipelineRunSucceeded })
	if rest := all.rest(t); len(rest) != 0 {
		t.Errorf("after the end: %q", rest)
	}
	if rest := train.rest(t); len(rest) != 0 {
		t.Errorf("task=train after the end: %q", rest)
	}
}

// Following one attempt follows that attempt only.
func TestFollowOneAttemptIgnoresRetries(t *testing.T) {
	e := newEnv(t, runKind{}, pipelineRun(ml.PipelineTaskStatus{Name: "train", Attempts: attempts("nightly-train-1")}))
	e.addTaskPod("nightly-train-1")
	e.source.Write(ns, "nightly-train-1", "main", "one\n")
	f := e.follow(t, "nightly", &ml.LogOptions{Task: "train", Attempt: new(int64(1))})
	if diff := cmp.Diff([]string{"one\n"}, f.next(t, 1)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	e.source.End(ns, "nightly-train-1", "main")
	e.addTaskPod("nightly-train-2")
	e.source.Write(ns, "nightly-train-2", "main", "two\n")
	e.setTasks(ml.PipelineTaskStatus{Name: "train", Attempts: attempts("nightly-train-1", "nightly-train-2")})
	e.source.End(ns, "nightly-train-2", "main")
	e.objects.update(func(obj runtime.Object) { obj.(*ml.PipelineRun).Status.Phase = ml.PipelineRunSucceeded })
	if rest := f.rest(t); len(rest) != 0 {
		t.Errorf("attempt 1 followed lines of another attempt: %q", rest)
	}
}

// Objects without an end (Models, Notebooks) are followed until their
// pods end, a pod that came meanwhile included.
func TestFollowWithoutAnEndEndsWithThePods(t *testing.T) {
	model := &ml.Model{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "serve", UID: "model-uid"}}
	kind := logs.SelectorKind{Resource: "models", Selector: func(runtime.Object) string { return "model=serve" }}
	e := newEnv(t, kind, model)
	add := func(name string) {
		e.source.AddPod(ns, workload.Pod{Name: name, UID: types.UID(name), Labels: map[string]string{"model": "serve"}, Containers: []string{"main"}})
	}
	add("serve-a")
	e.source.Write(ns, "serve-a", "main", "a up\n")
	f := e.follow(t, "serve", &ml.LogOptions{})
	if diff := cmp.Diff([]string{"[serve-a] a up\n"}, f.next(t, 1)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	add("serve-b")
	e.source.Write(ns, "serve-b", "main", "b up\n")
	if diff := cmp.Diff([]string{"[serve-b] b up\n"}, f.next(t, 1)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	e.source.End(ns, "serve-a", "main")
	e.source.Write(ns, "serve-b", "main", "b down\n")
	e.source.End(ns, "serve-b", "main")
	if diff := cmp.Diff([]string{"[serve-b] b down\n"}, f.rest(t)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// A follow whose object is deleted ends once its pods have.
func TestFollowEndsWhenTheObjectIsDeleted(t *testing.T) {
	e := newEnv(t, jobKind{}, trainingJob(1))
	e.addReplica("0", "uid-0")
	e.source.Write(ns, "train-0", "main", "x\n")
	f := e.follow(t, "train", &ml.LogOptions{})
	f.next(t, 1)
	e.objects.mu.Lock()
	e.objects.obj = nil
	e.objects.mu.Unlock()
	e.source.DeletePod(ns, "train-0")
	if rest := f.rest(t); len(rest) != 0 {
		t.Errorf("after the end: %q", rest)
	}
}

// replacingSource lists a pod with the UID it had, and serves the log of
// its replacement: the pod was replaced between the list and the open.
type replacingSource struct {
	*logstest.Source
	mu       sync.Mutex
	listOnce bool
}

func (s *replacingSource) ListPods(ctx context.Context, namespace string, selector labels.Selector) ([]workload.Pod, error) {
	pods, err := s.Source.ListPods(ctx, namespace, selector)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.listOnce {
		s.listOnce = true
		for i := range pods {
			pods[i].UID = "uid-replaced"
		}
	}
	return pods, err
}

// A pod replaced between being listed and its log opened is streamed once,
// under its new UID, not also under the old one.
func TestFollowOpensAReplacedPodOnce(t *testing.T) {
	e := newEnv(t, jobKind{}, trainingJob(1))
	src := &replacingSource{Source: e.source}
	e.rest = logs.NewREST(logs.Config{Resource: ml.Resource("things"), Objects: e.objects, Kind: jobKind{}, Source: src, Archive: e.store})
	logs.SetPollsForTest(e.rest, 20*time.Millisecond, 20*time.Millisecond)
	e.addReplica("0", "uid-new")
	e.source.Write(ns, "train-0", "main", "new 1\n")
	f := e.follow(t, "train", &ml.LogOptions{})
	if diff := cmp.Diff([]string{"[replica-0] new 1\n"}, f.next(t, 1)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	e.source.Write(ns, "train-0", "main", "new 2\n")
	e.source.End(ns, "train-0", "main")
	e.setJobPhase(ml.TrainingJobSucceeded)
	if diff := cmp.Diff([]string{"[replica-0] new 2\n"}, f.rest(t)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// A follow of a job whose pods have all ended does not end while the job
// runs: a replacement may come.
func TestFollowOutlivesThePodsOfARunningJob(t *testing.T) {
	e := newEnv(t, jobKind{}, trainingJob(1))
	e.addReplica("0", "uid-0")
	e.source.Write(ns, "train-0", "main", "x\n")
	e.source.End(ns, "train-0", "main")
	f := e.follow(t, "train", &ml.LogOptions{})
	f.next(t, 1)
	// Several looks of the follow find the job running and nothing new.
	time.Sleep(200 * time.Millisecond)
	select {
	case l, ok := <-f.lines:
		t.Fatalf("while the job runs the follow gave %q (open %v)", l, ok)
	default:
	}
	e.setJobPhase(ml.TrainingJobSucceeded)
	if rest := f.rest(t); len(rest) != 0 {
		t.Errorf("after the end: %q", rest)
	}
}

// A container that exits ends its log, as a kubelet ends a follow; while
// its pod runs, the follow waits, and streams the container's next run
// once it restarted in place, from its first line, repeating nothing. It
// ends once the pod has.
func TestFollowStreamsARestartedContainer(t *testing.T) {
	model := &ml.Model{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "serve", UID: "model-uid"}}
	kind := logs.SelectorKind{Resource: "models", Selector: func(runtime.Object) string { return "model=serve" }}
	e := newEnv(t, kind, model)
	e.source.AddPod(ns, workload.Pod{Name: "serve-a", UID: "uid-a", Labels: map[string]string{"model": "serve"}, Containers: []string{"main", "sidecar"}})
	e.source.Write(ns, "serve-a", "main", "run 1 a\n")
	f := e.follow(t, "serve", &ml.LogOptions{})
	if diff := cmp.Diff([]string{"[serve-a] run 1 a\n"}, f.next(t, 1)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	e.source.Write(ns, "serve-a", "main", "run 1 b\n")
	e.source.End(ns, "serve-a", "main")
	if diff := cmp.Diff([]string{"[serve-a] run 1 b\n"}, f.next(t, 1)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	// The pod runs on (its sidecar does): several looks find no restart
	// yet, and the follow stays.
	time.Sleep(200 * time.Millisecond)
	select {
	case l, ok := <-f.lines:
		t.Fatalf("while the pod runs the follow gave %q (open %v)", l, ok)
	default:
	}
	e.source.Restart(ns, "serve-a", "main")
	e.source.Write(ns, "serve-a", "main", "run 2 a\n")
	if diff := cmp.Diff([]string{"[serve-a] run 2 a\n"}, f.next(t, 1)); diff != "" {
		t.Fatalf("after the restart (-want +got):\n%s", diff)
	}
	e.source.Write(ns, "serve-a", "main", "run 2 b\n")
	e.source.End(ns, "serve-a", "main")
	e.source.End(ns, "serve-a", "sidecar")
	if diff := cmp.Diff([]string{"[serve-a] run 2 b\n"}, f.rest(t)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// A job no controller has seen yet (no phase) is followed from before its
// first pod; with no phase to wait for, the follow ends with the pods.
func TestFollowJobWithoutPhaseWaitsForItsFirstPod(t *testing.T) {
	job := trainingJob(1)
	job.Status.Phase = ""
	e := newEnv(t, jobKind{}, job)
	f := e.follow(t, "train", &ml.LogOptions{Replica: "0"})
	e.addReplica("0", "uid-0")
	e.source.Write(ns, "train-0", "main", "hello\n")
	if diff := cmp.Diff([]string{"hello\n"}, f.next(t, 1)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	e.source.Write(ns, "train-0", "main", "bye\n")
	e.source.End(ns, "train-0", "main")
	if diff := cmp.Diff([]string{"bye\n"}, f.rest(t)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// countingSource counts the reads of each pod.
type countingSource struct {
	*logstest.Source
	mu   sync.Mutex
	gets map[string]int
}

func (s *countingSource) GetPod(ctx context.Context, namespace, name string) (*workload.Pod, error) {
	s.mu.Lock()
	s.gets[name]++
	s.mu.Unlock()
	return s.Source.GetPod(ctx, namespace, name)
}

func (s *countingSource) count(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gets[name]
}

// A follow of a run reads again at each look only the task pods that may
// still change: not those that ended.
func TestFollowDoesNotReadEndedTaskPodsAgain(t *testing.T) {
	e := newEnv(t, runKind{}, pipelineRun(
		ml.PipelineTaskStatus{Name: "done", Attempts: attempts("nightly-done-1")},
		ml.PipelineTaskStatus{Name: "busy", Attempts: attempts("nightly-busy-1")},
	))
	src := &countingSource{Source: e.source, gets: map[string]int{}}
	e.rest = logs.NewREST(logs.Config{Resource: ml.Resource("things"), Objects: e.objects, Kind: runKind{}, Source: src, Archive: e.store})
	logs.SetPollsForTest(e.rest, 20*time.Millisecond, 20*time.Millisecond)
	e.addTaskPod("nightly-done-1")
	e.source.Write(ns, "nightly-done-1", "main", "done\n")
	e.source.End(ns, "nightly-done-1", "main")
	e.addTaskPod("nightly-busy-1")
	e.source.Write(ns, "nightly-busy-1", "main", "busy\n")
	f := e.follow(t, "nightly", &ml.LogOptions{})
	f.next(t, 2)
	looks := func() int {
		e.objects.mu.Lock()
		defer e.objects.mu.Unlock()
		return e.objects.gets
	}
	waitLooks := func(n int) {
		t.Helper()
		deadline := time.Now().Add(readTimeout)
		for looks() < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d looks in %v, want %d", looks(), readTimeout, n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitLooks(3)
	before, busyBefore := src.count("nightly-done-1"), src.count("nightly-busy-1")
	from := looks()
	waitLooks(from + 20)
	// One more read at most: the end of the stream of the pod that ended.
	if got := src.count("nightly-done-1") - before; got > 1 {
		t.Errorf("the ended task's pod was read %d times in %d looks", got, looks()-from)
	}
	if src.count("nightly-busy-1")-busyBefore < 20 {
		t.Errorf("the running task's pod was read %d times in %d looks, want every look", src.count("nightly-busy-1")-busyBefore, looks()-from)
	}
	e.source.End(ns, "nightly-busy-1", "main")
	e.objects.update(func(obj runtime.Object) { obj.(*ml.PipelineRun).Status.Phase = ml.PipelineRunSucceeded })
	if rest := f.rest(t); len(rest) != 0 {
		t.Errorf("after the end: %q", rest)
	}
}
