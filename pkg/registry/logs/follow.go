package logs

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/storage/logstore"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// rescanPoll is how often a follow looks for pods that came after it
// opened: a replaced replica (same name, new UID), a scale up, the next
// task of a run, a retry. A follow told of pod changes by a shared pod
// watch (workload.PodWatcher) reads the object at each look, but lists its
// pods and archive only when a pod of its namespace or the object changed,
// or rescanIdle passed.
const (
	rescanPoll = time.Second
	rescanIdle = 10 * time.Second
)

// errSuperseded says that a pod was replaced between being listed and its
// log being opened: the log opened may be the replacement's. It is closed
// unread; the next look finds the replacement, and the replaced pod's
// archive.
var errSuperseded = errors.New("the pod was replaced while its log was opened")

// podKey is one pod: a replacement keeps the name and gets a new UID.
type podKey struct {
	pod string
	uid types.UID
}

// follower follows the logs of one object: the pods selected when the
// request came, and every pod it makes afterwards, each once, until the
// object has ended and every followed log has.
type follower struct {
	r               *REST
	o               *ml.LogOptions
	namespace, name string
	uid             types.UID
	// seen are the pods whose logs were streamed, or were there when the
	// follow opened (shown or not); a pod is never streamed twice, from
	// its live log or from its archive.
	seen map[podKey]bool
	// labels are those of the selected logs: a later pod with the same
	// label (a replacement, a retry of the task) is followed too.
	labels map[string]bool
	// runs is, per pod whose live log was opened, the restart count of the
	// container run it streams; active counts its open live streams. A
	// kubelet ends a follow when the container exits: once it restarts in
	// place (same pod, one more restart) its new run is streamed.
	runs   map[podKey]int32
	active map[podKey]int
	// restarting says that the last look saw a followed pod running whose
	// log has ended: its container may restart.
	restarting bool
	// streamed says that some log was streamed.
	streamed bool
	// settled are the pods, by name, that were seen ended or gone: a pod
	// the Kind names (a task attempt) is not read again at every look. A
	// pod its selector selects is listed anyway, so a replacement of the
	// same name is found.
	settled map[string]bool
	// watch, when set, is the follow's view of the source's shared pod
	// watch: looks read pods from it and run when it tells of a change.
	watch *workload.PodSubscription
	// unwatch ends the subscription; the follow's request ending does too.
	unwatch func()
	// dirty says that the next look must list pods and archive: a pod
	// changed, a stream ended or a log failed to open since the last one.
	// lastVersion is the object's resourceVersion and lastFull the time
	// of the last look that did.
	dirty       bool
	lastVersion string
	lastFull    time.Time
}

// follow answers GET with follow: the logs selected now, and those of new
// pods as they come.
func (r *REST) follow(ctx context.Context, obj runtime.Object, o *ml.LogOptions, selected func(pod, label string) bool, targets []*target) (runtime.Object, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, err
	}
	f := &follower{
		r: r, o: o, namespace: m.GetNamespace(), name: m.GetName(), uid: m.GetUID(),
		seen: map[podKey]bool{}, labels: map[string]bool{}, runs: map[podKey]int32{}, active: map[podKey]int{}, settled: map[string]bool{},
		dirty: true, lastVersion: m.GetResourceVersion(), lastFull: time.Now(),
	}
	f.unwatch = f.subscribe(ctx, targets)
	streams, err := f.open(ctx, obj, selected, targets, false)
	if err != nil {
		f.unwatch()
		closeStreams(streams)
		return nil, err
	}
	state := lifecycleOf(r.c.Kind, obj)
	if len(streams) == 0 && (state == ended || state == podsEnd && (o.Replica != "" || o.Task != "")) {
		return nil, r.noLogs(obj, m.GetName(), o, false)
	}
	labels := map[string]bool{}
	for _, s := range streams {
		labels[s.label] = true
	}
	prefix := (o.Replica == "" && o.Task == "") || len(labels) > 1
	return &logStream{
		flush: true,
		run: func(ctx context.Context, w io.Writer) error {
			if o.LimitBytes != nil {
				w = &limitWriter{w: w, n: *o.LimitBytes}
			}
			err := f.run(ctx, w, streams, prefix, state)
			if errors.Is(err, errLimit) {
				return nil
			}
			return err
		},
	}, nil
}

// subscribe makes f read pods from the source's shared pod watch, if it
// has one that sees every live pod of targets (the first look's, read
// from the source itself). The subscription ends with ctx, or when the
// returned func is called.
func (f *follower) subscribe(ctx context.Context, targets []*target) func() {
	w, ok := f.r.c.Source.(workload.PodWatcher)
	if !ok {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	sub, err := w.WatchPods(ctx, f.namespace)
	if err != nil {
		cancel()
		klog.FromContext(ctx).V(2).Info("Following without the shared pod watch", "object", klog.KRef(f.namespace, f.name), "err", err)
		return func() {}
	}
	for _, t := range targets {
		if t.live != nil && !sub.Covers(t.live.Labels) {
			cancel()
			return func() {}
		}
	}
	f.watch = sub
	return cancel
}

// pods is where looks after the first read pods: the shared watch, or the
// source.
func (f *follower) pods() workload.PodReader {
	if f.watch != nil {
		return f.watch.Pods
	}
	return f.r.c.Source
}

func closeStreams(streams []*stream) {
	for _, s := range streams {
		if s.rc != nil {
			_ = s.rc.Close()
		}
	}
}

func (f *follower) seenUID(pod string, uid types.UID) bool {
	if uid != "" {
		return f.seen[podKey{pod, uid}]
	}
	// An archive stored without the pod's UID: seen if any pod of that
	// name was.
	for k := range f.seen {
		if k.pod == pod {
			return true
		}
	}
	return false
}

// open opens the logs of targets not seen yet. The first time (later
// false) it opens what a request without follow would, with its options,
// and takes note of every pod there is. Later it opens the selected pods
// that came since, and pods of the labels followed so far, from their
// start (tailLines and sinceSeconds were about the past when the follow
// opened); a pod that came and went between two looks is read from its
// archive. Later, a target that fails to open is logged and tried again
// at the next look.
func (f *follower) open(ctx context.Context, obj runtime.Object, selected func(pod, label string) bool, targets []*target, later bool) ([]*stream, error) {
	o := f.o
	if later {
		fresh := *f.o
		fresh.TailLines, fresh.SinceSeconds = nil, nil
		o = &fresh
	}
	var out []*stream
	f.restarting = false
	for _, t := range targets {
		pick := selected(t.pod, t.label) || (later && f.o.Attempt == nil && f.labels[t.label])
		if !pick {
			if !later {
				f.see(t, "")
				if t.live == nil || t.live.Finished {
					f.settled[t.pod] = true
				}
			}
			continue
		}
		if later {
			s, err := f.reopen(ctx, obj, t, o)
			switch {
			case errors.Is(err, errSuperseded):
				f.dirty = true
			case err != nil:
				f.dirty = true
				klog.FromContext(ctx).V(2).Info("Opening a restarted container's log", "pod", klog.KRef(f.namespace, t.pod), "err", err)
			case s != nil:
				out = append(out, s)
			}
		}
		ft := &target{label: t.label, pod: t.pod, verify: true, pods: f.watchPods()}
		if t.live != nil && !f.seen[podKey{t.pod, t.live.UID}] {
			ft.live = t.live
		}
		var others []*target
		for _, a := range t.archived {
			if f.seenUID(t.pod, a.PodUID) {
				continue
			}
			ft.archived = append(ft.archived, a)
			if later && t.live != nil && a.PodUID != t.live.UID {
				others = append(others, &target{label: t.label, pod: t.pod, archived: []logstore.Meta{a}})
			}
		}
		var superseded types.UID
		if ft.live != nil || len(ft.archived) > 0 {
			s, err := f.r.open(ctx, obj, ft, o)
			switch {
			case errors.Is(err, errSuperseded):
				superseded = t.live.UID
				f.dirty = true
			case err != nil && later:
				f.dirty = true
				klog.FromContext(ctx).V(2).Info("Opening a followed log", "pod", klog.KRef(f.namespace, t.pod), "err", err)
				continue
			case err != nil:
				return out, err
			case s != nil:
				out = append(out, s)
			}
			// A pod that came and went since the last look, replaced by
			// the live one: its archive too.
			if s != nil && ft.live != nil {
				for _, ot := range others {
					as, err := f.r.open(ctx, obj, ot, o)
					if err != nil {
						f.dirty = true
						klog.FromContext(ctx).V(2).Info("Opening an archived log", "pod", klog.KRef(f.namespace, t.pod), "err", err)
						continue
					}
					if as != nil {
						out = append(out, as)
					}
				}
			}
		}
		f.labels[t.label] = true
		f.see(t, superseded)
		if superseded == "" && (t.live == nil || t.live.Finished) {
			f.settled[t.pod] = true
		}
	}
	return out, nil
}

// reopen opens the log of the new run of a followed pod's container
// that restarted in place after its log ended, and notes whether such a
// pod is still running.
func (f *follower) reopen(ctx context.Context, obj runtime.Object, t *target, o *ml.LogOptions) (*stream, error) {
	if t.live == nil {
		return nil, nil
	}
	key := podKey{t.pod, t.live.UID}
	run, opened := f.runs[key]
	if !opened || f.active[key] > 0 || t.live.Finished {
		return nil, nil
	}
	container := f.o.Container
	if container == "" && len(t.live.Containers) > 0 {
		container = t.live.Containers[0]
	}
	if t.live.Restarts[container] <= run {
		f.restarting = true
		return nil, nil
	}
	return f.r.open(ctx, obj, &target{label: t.label, pod: t.pod, live: t.live, verify: true, pods: f.watchPods()}, o)
}

// see takes note of the pods of t, but superseded's.
func (f *follower) see(t *target, superseded types.UID) {
	if t.live != nil && t.live.UID != superseded {
		f.seen[podKey{t.pod, t.live.UID}] = true
	}
	for _, a := range t.archived {
		if a.PodUID == "" || a.PodUID != superseded {
			f.seen[podKey{t.pod, a.PodUID}] = true
		}
	}
}

// superseded says whether pod has another UID than uid now, or its
// container another restart count than restarts: the log just opened may
// not be of the run that was listed.
func (r *REST) superseded(ctx context.Context, namespace, pod string, uid types.UID, container string, restarts int32) bool {
	if uid == "" {
		return false
	}
	p, err := r.c.Source.GetPod(ctx, namespace, pod)
	return err == nil && (p.UID != uid || p.Restarts[container] != restarts)
}

// look reads the object again and opens the logs of pods that came since
// the last look.
func (f *follower) look(ctx context.Context) ([]*stream, lifecycle, error) {
	obj, err := f.r.c.Objects.Get(genericapirequest.WithNamespace(ctx, f.namespace), f.name, &metav1.GetOptions{ResourceVersion: "0"})
	if apierrors.IsNotFound(err) {
		return nil, ended, nil
	}
	if err != nil {
		return nil, running, err
	}
	m, err := meta.Accessor(obj)
	if err != nil || m.GetUID() != f.uid {
		// Deleted and created again: another object, whose logs this
		// follow is not about.
		return nil, ended, nil
	}
	if f.watch != nil && !f.dirty && m.GetResourceVersion() == f.lastVersion && time.Since(f.lastFull) < f.r.rescanIdle {
		// Neither a pod of the namespace nor the object changed.
		return nil, lifecycleOf(f.r.c.Kind, obj), nil
	}
	f.dirty, f.lastVersion, f.lastFull = false, m.GetResourceVersion(), time.Now()
	selected, errs := f.r.c.Kind.Select(obj, f.o)
	if len(errs) > 0 {
		selected = func(string, string) bool { return false }
	}
	targets, err := f.r.targets(ctx, obj, f.pods(), func(pod string) bool { return f.settled[pod] })
	if err != nil {
		return nil, running, err
	}
	streams, err := f.open(ctx, obj, selected, targets, true)
	return streams, lifecycleOf(f.r.c.Kind, obj), err
}

// streamEnd reports that a stream's goroutine is done.
type streamEnd struct {
	s   *stream
	err error
}

// run copies the followed logs to w, line by line as they come, each
// line started with [label] when prefix, and looks for new pods every
// rescanPoll until state says the object has ended (or, for objects
// without an end, no log is left and no new pod came); then it returns once
// every log has ended.
func (f *follower) run(ctx context.Context, w io.Writer, streams []*stream, prefix bool, state lifecycle) error {
	defer f.unwatch()
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	finish := func(err error) error {
		cancel()
		wg.Wait()
		return err
	}
	batches := make(chan *[]byte)
	done := make(chan streamEnd)
	running := 0
	start := func(s *stream) {
		running++
		f.streamed = true
		if s.live {
			key := podKey{s.pod, s.uid}
			f.active[key]++
			f.runs[key] = s.restarts
		}
		wg.Go(func() {
			err := copyFollowed(ctx, s, prefix, batches)
			select {
			case done <- streamEnd{s: s, err: err}:
			case <-ctx.Done():
			}
		})
	}
	for _, s := range streams {
		start(s)
	}
	logger := klog.FromContext(ctx)
	ticker := time.NewTicker(f.r.rescanPoll)
	defer ticker.Stop()
	var changed <-chan struct{}
	if f.watch != nil {
		changed = f.watch.Changed
	}
	looking := state != ended
	var firstErr error
	lookNow := running == 0
	for {
		if lookNow && looking {
			lookNow = false
			found, st, err := f.look(ctx)
			for _, s := range found {
				start(s)
			}
			switch {
			case err != nil:
				f.dirty = true
				logger.V(2).Info("Looking for new pods of a followed object", "object", klog.KRef(f.namespace, f.name), "err", err)
			case st == ended:
				// This look saw the object ended: no pod comes after it.
				looking = false
			case (st == podsEnd || st == starting && f.streamed) && running == 0 && !f.restarting:
				looking = false
			}
		}
		if running == 0 && !looking {
			return finish(firstErr)
		}
		select {
		case b := <-batches:
			_, err := w.Write(*b)
			batchPool.Put(b)
			if err != nil {
				return finish(err)
			}
		case e := <-done:
			running--
			if e.s.live {
				f.active[podKey{e.s.pod, e.s.uid}]--
			}
			switch {
			case errors.Is(e.err, errSuperseded):
				// Not streamed: the next look finds it again.
				delete(f.seen, podKey{e.s.pod, e.s.uid})
			case e.err != nil && ctx.Err() == nil && firstErr == nil:
				firstErr = e.err
			}
			f.dirty = true
			if running == 0 {
				lookNow = true
			}
		case <-changed:
			// Looked at with the next tick: a namespace whose pods change
			// many times a second costs a follow one look a second.
			f.dirty = true
		case <-ticker.C:
			lookNow = true
		case <-ctx.Done():
			return finish(nil)
		}
	}
}

// batchPool keeps the buffers that carry followed logs to the writer.
var batchPool = sync.Pool{New: func() any {
	b := make([]byte, 0, copyBufferBytes)
	return &b
}}

// copyFollowed sends the log of s to batches: as it comes, or line by line
// each started with [label] when prefix; a last line without a newline
// gets one, so that the next log starts on a line of its own. s is closed
// when done, or as soon as ctx is, to end a blocked read.
func copyFollowed(ctx context.Context, s *stream, prefix bool, batches chan<- *[]byte) error {
	if s.rc == nil {
		rc, err := s.open(ctx)
		if err != nil {
			return err
		}
		s.rc = rc
	}
	var once sync.Once
	closeRC := func() { once.Do(func() { _ = s.rc.Close() }) }
	defer closeRC()
	stop := context.AfterFunc(ctx, closeRC)
	defer stop()
	send := func(b *[]byte) error {
		select {
		case batches <- b:
			return nil
		case <-ctx.Done():
			batchPool.Put(b)
			return ctx.Err()
		}
	}
	var err error
	if prefix {
		p := []byte("[" + s.label + "] ")
		err = prefixLines(s.rc, p, func(b []byte) error {
			buf := batchPool.Get().(*[]byte)
			*buf = append((*buf)[:0], b...)
			return send(buf)
		})
	} else {
		err = copyRaw(s.rc, send)
	}
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// copyRaw sends what r reads as it comes, in pooled buffers, and a
// newline after a last line without one.
func copyRaw(r io.Reader, send func(*[]byte) error) error {
	last := byte('\n')
	for {
		buf := batchPool.Get().(*[]byte)
		b := (*buf)[:cap(*buf)]
		n, err := r.Read(b)
		if n > 0 {
			last = b[n-1]
			*buf = b[:n]
			if serr := send(buf); serr != nil {
				return serr
			}
		} else {
			batchPool.Put(buf)
		}
		switch {
		case err == io.EOF && last != '\n':
			nl := batchPool.Get().(*[]byte)
			*nl = append((*nl)[:0], '\n')
			return send(nl)
		case err == io.EOF:
			return nil
		case err != nil:
			return err
		}
	}
}

// watchPods is the shared watch's reader, nil without one: where followed
// live logs ask whether their pod ended.
func (f *follower) watchPods() workload.PodReader {
	if f.watch != nil {
		return f.watch.Pods
	}
	return nil
}
