package logs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/storage/logstore"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// Config is what a REST needs.
type Config struct {
	// Resource is the parent resource, e.g. ml.Resource("trainingjobs").
	Resource schema.GroupResource
	// Objects reads the parent objects (the resource's storage).
	Objects rest.Getter
	// Kind finds and names the pods of an object.
	Kind Kind
	// Source reads live pods; nil where there are none (standalone mode
	// before its local runtime), so only the archive is served.
	Source workload.LogSource
	// Archive keeps logs after their pods are gone; nil for none.
	Archive logstore.LogStore
	// Now tells the time for sinceSeconds on archived logs.
	Now func() time.Time
	// Follows bounds the follows open at once; nil for no bound.
	Follows *FollowLimit
}

// REST is the log subresource of one kind.
type REST struct {
	c Config
	// How often a follow looks for new pods (rescanPoll; at least every
	// rescanIdle when a shared pod watch tells it of changes), asks a
	// followed pod whether it ended (finishPoll), and how long an ended
	// pod's log is read on (finishGrace).
	rescanPoll, rescanIdle, finishPoll, finishGrace time.Duration
}

var (
	_ rest.GetterWithOptions = &REST{}
	_ rest.StorageMetadata   = &REST{}
	_ rest.NamedCreater      = &REST{}
)

// NewREST returns the log subresource of c.Resource.
func NewREST(c Config) *REST {
	if c.Now == nil {
		c.Now = time.Now
	}
	return &REST{c: c, rescanPoll: rescanPoll, rescanIdle: rescanIdle, finishPoll: finishPoll, finishGrace: finishGrace}
}

// Config returns the Config of the log subresource of resource, whose
// objects objects reads and whose pods kind finds, over d.
func (d Deps) Config(resource schema.GroupResource, objects rest.Getter, kind Kind) Config {
	return Config{Resource: resource, Objects: objects, Kind: kind, Source: d.Source, Archive: d.Archive, Follows: d.Follows}
}

// New returns the body of POST: a request to archive a pod's logs.
func (r *REST) New() runtime.Object { return &ml.LogArchiveRequest{} }

// Destroy does nothing: the parent storage is shared.
func (r *REST) Destroy() {}

// NewGetOptions returns the options GET decodes its query into.
func (r *REST) NewGetOptions() (runtime.Object, bool, string) {
	return &ml.LogOptions{}, false, ""
}

// ProducesMIMETypes says GET answers text/plain.
func (r *REST) ProducesMIMETypes(verb string) []string {
	if verb == "GET" {
		return []string{"text/plain"}
	}
	return nil
}

// ProducesObject says GET answers a string.
func (r *REST) ProducesObject(verb string) any {
	if verb == "GET" {
		return ""
	}
	return nil
}

// target is one log an answer may show.
type target struct {
	label    string
	pod      string
	live     *workload.Pod
	archived []logstore.Meta
	// verify makes a followed live log check, once open, that the pod
	// still has the UID it was listed with (see errSuperseded).
	verify bool
	// pods, when set, is where a followed live log asks whether its pod
	// ended: a follow's shared pod watch (see untilFinished).
	pods workload.PodReader
}

// Get streams the logs of the object name that opts selects.
func (r *REST) Get(ctx context.Context, name string, opts runtime.Object) (runtime.Object, error) {
	o, ok := opts.(*ml.LogOptions)
	if !ok {
		return nil, fmt.Errorf("invalid options object: %T", opts)
	}
	if errs := ValidateLogOptions(o); len(errs) > 0 {
		return nil, badOptions(errs)
	}
	if !o.Follow || o.Previous {
		return r.get(ctx, name, o)
	}
	// A follow holds one of the server's follows until its stream ends or
	// its request does, whichever comes first.
	release, err := r.c.Follows.take()
	if err != nil {
		return nil, err
	}
	context.AfterFunc(ctx, release)
	out, err := r.get(ctx, name, o)
	if err != nil {
		release()
		return nil, err
	}
	if s, ok := out.(*logStream); ok {
		run := s.run
		s.run = func(ctx context.Context, w io.Writer) error {
			defer release()
			return run(ctx, w)
		}
	}
	return out, nil
}

func (r *REST) get(ctx context.Context, name string, o *ml.LogOptions) (runtime.Object, error) {
	obj, err := r.c.Objects.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	selected, errs := r.c.Kind.Select(obj, o)
	if len(errs) > 0 {
		return nil, badOptions(errs)
	}
	targets, err := r.targets(ctx, obj, r.c.Source, nil)
	if err != nil {
		return nil, err
	}
	if o.Follow && !o.Previous {
		return r.follow(ctx, obj, o, selected, targets)
	}
	var streams []*stream
	matched := false
	for _, t := range targets {
		if !selected(t.pod, t.label) {
			continue
		}
		matched = true
		s, err := r.open(ctx, obj, t, o)
		if err != nil {
			for _, s := range streams {
				if s.rc != nil {
					_ = s.rc.Close()
				}
			}
			return nil, err
		}
		if s != nil {
			streams = append(streams, s)
		}
	}
	if len(streams) == 0 {
		return nil, r.noLogs(obj, name, o, matched)
	}
	prefix := (o.Replica == "" && o.Task == "") || len(streams) > 1
	return &logStream{
		flush: o.Follow,
		run: func(ctx context.Context, w io.Writer) error {
			if o.LimitBytes != nil {
				w = &limitWriter{w: w, n: *o.LimitBytes}
			}
			err := copyStreams(ctx, w, streams, prefix, o.Follow)
			if errors.Is(err, errLimit) {
				return nil
			}
			return err
		},
	}, nil
}

func selection(o *ml.LogOptions) string {
	var parts []string
	if o.Replica != "" {
		parts = append(parts, "replica "+o.Replica)
	}
	if o.Task != "" {
		parts = append(parts, "task "+o.Task)
	}
	if o.Attempt != nil {
		parts = append(parts, fmt.Sprintf("attempt %d", *o.Attempt))
	}
	return strings.Join(parts, ", ")
}

// targets lists the logs of obj: its live pods, read from pods (nil for
// none), and its archived logs, one target per pod, sorted by label (by
// start for an OrderedKind). Pods named by the Kind that settled says need
// not be read again are not (see livePods).
func (r *REST) targets(ctx context.Context, obj runtime.Object, pods workload.PodReader, settled func(pod string) bool) ([]*target, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, err
	}
	byPod := map[string]*target{}
	get := func(pod, label string) *target {
		t := byPod[pod]
		if t == nil {
			t = &target{pod: pod, label: label}
			byPod[pod] = t
		}
		return t
	}
	if pods != nil {
		live, err := r.livePods(ctx, obj, pods, m.GetNamespace(), settled)
		if err != nil {
			return nil, err
		}
		for i := range live {
			if label, ok := r.c.Kind.Label(obj, &live[i]); ok {
				get(live[i].Name, label).live = &live[i]
			}
		}
	}
	if r.c.Archive != nil {
		archived, err := r.c.Archive.List(ctx, m.GetNamespace(), m.GetUID())
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		for _, a := range archived {
			t := get(a.Pod, a.Label)
			t.archived = append(t.archived, a)
		}
	}
	out := make([]*target, 0, len(byPod))
	for _, t := range byPod {
		out = append(out, t)
	}
	order := labelOrder(r.c.Kind, obj)
	slices.SortFunc(out, func(a, b *target) int {
		if c := order(a.label, b.label); c != 0 {
			return c
		}
		return strings.Compare(a.pod, b.pod)
	})
	return out, nil
}

// compareLabels orders replica-2 before replica-10.
func compareLabels(a, b string) int {
	if len(a) != len(b) && strings.TrimRight(a, "0123456789") == strings.TrimRight(b, "0123456789") {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

// livePods reads the pods of obj: those its selector selects, in one
// list, and those it names, one by one but those settled says a follow
// knows already (ended or gone: a named pod does not come back).
func (r *REST) livePods(ctx context.Context, obj runtime.Object, source workload.PodReader, namespace string, settled func(pod string) bool) ([]workload.Pod, error) {
	selector, names := r.c.Kind.Pods(obj)
	var pods []workload.Pod
	if selector != nil && !selector.Empty() {
		list, err := source.ListPods(ctx, namespace, selector)
		if err != nil {
			return nil, podError(err)
		}
		pods = append(pods, list...)
	}
	for _, name := range names {
		if slices.ContainsFunc(pods, func(p workload.Pod) bool { return p.Name == name }) || settled != nil && settled(name) {
			continue
		}
		pod, err := source.GetPod(ctx, namespace, name)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, podError(err)
		}
		pods = append(pods, *pod)
	}
	return pods, nil
}

// podError turns an error of kube-apiserver into one for our client: a
// failure to reach pods is the server's problem, not the caller's.
func podError(err error) error {
	if apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) {
		return apierrors.NewInternalError(fmt.Errorf("the server may not read pods: %w", err))
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return err
	}
	return apierrors.NewServiceUnavailable(fmt.Sprintf("reading pods: %v", err))
}

// open opens the log of one target: from the pod while it exists, from
// the archive after. It returns nil when the target has no log of the
// asked container.
func (r *REST) open(ctx context.Context, obj runtime.Object, t *target, o *ml.LogOptions) (*stream, error) {
	if t.live != nil {
		container := o.Container
		if container == "" && len(t.live.Containers) > 0 {
			container = t.live.Containers[0]
		}
		if container != "" && !slices.Contains(t.live.Containers, container) {
			return nil, nil
		}
		if !o.Previous || t.live.Restarts[container] > 0 {
			return r.openLive(ctx, obj, t, container, o)
		}
	}
	var pick *logstore.Meta
	for i := range t.archived {
		a := &t.archived[i]
		if a.Previous != o.Previous || (o.Container != "" && a.Container != o.Container) {
			continue
		}
		if pick == nil || a.ContainerIndex < pick.ContainerIndex {
			pick = a
		}
	}
	if pick == nil {
		return nil, nil
	}
	rc, err := r.c.Archive.Open(ctx, pick.Stream)
	if errors.Is(err, logstore.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	rc, err = readArchived(rc, o.TailLines, o.SinceSeconds, o.Timestamps, r.c.Now())
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	return &stream{label: t.label, pod: t.pod, uid: pick.PodUID, rc: rc}, nil
}

// startRetry is how often a followed pod whose container has not started
// is asked again.
const startRetry = time.Second

func (r *REST) openLive(ctx context.Context, obj runtime.Object, t *target, container string, o *ml.LogOptions) (*stream, error) {
	m, _ := meta.Accessor(obj)
	ns, pod := m.GetNamespace(), t.pod
	popts := workload.PodLogOptions{
		Container:    container,
		Follow:       o.Follow,
		Previous:     o.Previous,
		Timestamps:   o.Timestamps,
		TailLines:    o.TailLines,
		SinceSeconds: o.SinceSeconds,
	}
	var uid types.UID
	var restarts int32
	if t.live != nil {
		uid, restarts = t.live.UID, t.live.Restarts[container]
	}
	verify, podsOf := t.verify, t.pods
	rc, err := r.c.Source.Stream(ctx, ns, pod, popts)
	switch {
	case err == nil && o.Follow:
		if verify && r.superseded(ctx, ns, pod, uid, container, restarts) {
			_ = rc.Close()
			return nil, errSuperseded
		}
		return &stream{label: t.label, pod: pod, uid: uid, live: true, restarts: restarts, rc: r.untilFinished(ctx, ns, pod, uid, rc, t.pods)}, nil
	case err == nil:
		return &stream{label: t.label, pod: pod, uid: uid, rc: rc}, nil
	case apierrors.IsNotFound(err):
		// Gone since it was listed: its archive, if any, has the log. A
		// pod is archived before it goes, maybe after the archive was
		// read for this answer: read it again.
		t.live = nil
		if r.c.Archive != nil {
			archived, err := r.c.Archive.List(ctx, ns, m.GetUID())
			if err != nil {
				return nil, apierrors.NewInternalError(err)
			}
			t.archived = t.archived[:0]
			for _, a := range archived {
				if a.Pod == pod {
					t.archived = append(t.archived, a)
				}
			}
		}
		return r.open(ctx, obj, t, o)
	case !o.Follow || !apierrors.IsBadRequest(err):
		if apierrors.IsBadRequest(err) {
			// Not started yet: nothing to show.
			klog.FromContext(ctx).V(4).Info("No log yet", "pod", klog.KRef(ns, pod), "err", err)
			return nil, nil
		}
		return nil, podError(err)
	}
	// Following a container that has not started: wait for it.
	return &stream{label: t.label, pod: pod, uid: uid, live: true, restarts: restarts, open: func(ctx context.Context) (io.ReadCloser, error) {
		var rc io.ReadCloser
		err := wait.PollUntilContextCancel(ctx, startRetry, false, func(ctx context.Context) (bool, error) {
			var err error
			rc, err = r.c.Source.Stream(ctx, ns, pod, popts)
			switch {
			case err == nil:
				return true, nil
			case apierrors.IsBadRequest(err):
				return false, nil
			default:
				return false, err
			}
		})
		if err != nil {
			return nil, err
		}
		if verify && r.superseded(ctx, ns, pod, uid, container, restarts) {
			_ = rc.Close()
			return nil, errSuperseded
		}
		return r.untilFinished(ctx, ns, pod, uid, rc, podsOf), nil
	}}, nil
}

// logStream is the answer of GET: run writes the logs into the response
// body, flushed after every write when following.
type logStream struct {
	run   func(ctx context.Context, w io.Writer) error
	flush bool
}

var _ rest.ResourceStreamer = &logStream{}

// GetObjectKind is empty: a log is not a Kubernetes object.
func (s *logStream) GetObjectKind() schema.ObjectKind { return schema.EmptyObjectKind }

// DeepCopyObject is not needed of a stream; it returns s.
func (s *logStream) DeepCopyObject() runtime.Object { return s }

// InputStream returns the logs as a reader the server copies to the
// client. The server's copy uses its WriteTo, which writes the logs straight
// into the response (flushed per write when following); Read, for other
// readers, goes through a pipe. Closing it (the client went away) cancels
// the upstream streams.
func (s *logStream) InputStream(ctx context.Context, _, _ string) (io.ReadCloser, bool, string, error) {
	ctx, cancel := context.WithCancel(ctx)
	return &logReader{ctx: ctx, cancel: cancel, run: s.run}, s.flush, "text/plain", nil
}

// logReader runs a logStream once, into the writer of WriteTo or into a
// pipe read by Read.
type logReader struct {
	ctx    context.Context
	cancel context.CancelFunc
	run    func(ctx context.Context, w io.Writer) error

	once sync.Once
	pr   *io.PipeReader
}

var _ io.WriterTo = &logReader{}

// WriteTo writes the logs into w.
func (r *logReader) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: w}
	started := false
	r.once.Do(func() { started = true })
	if !started {
		return 0, errors.New("log stream already read")
	}
	defer r.cancel()
	err := r.run(r.ctx, cw)
	return cw.n, err
}

func (r *logReader) Read(p []byte) (int, error) {
	r.once.Do(func() {
		pr, pw := io.Pipe()
		r.pr = pr
		go func() {
			defer r.cancel()
			pw.CloseWithError(r.run(r.ctx, pw))
		}()
	})
	if r.pr == nil {
		return 0, io.EOF
	}
	return r.pr.Read(p)
}

// Close cancels the upstream streams.
func (r *logReader) Close() error {
	r.cancel()
	r.once.Do(func() {})
	if r.pr != nil {
		return r.pr.Close()
	}
	return nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
