// Package logstest has a fake workload.LogSource for tests: pods and their
// logs in memory, written and ended by the test, behind the same interface
// as kube-apiserver's pods/log.
package logstest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"ml.example.io/ml-apiserver/pkg/workload"
)

var podsResource = schema.GroupResource{Resource: "pods"}

// Source is a fake workload.LogSource. Its zero value is not usable: use New.
type Source struct {
	mu   sync.Mutex
	cond *sync.Cond
	pods map[string]*pod
	// active counts open streams; cancelled counts streams whose context
	// ended before their log did.
	active, cancelled int
	// Now stamps written lines.
	Now func() time.Time
	// lists and gets count ListPods and GetPod.
	lists, gets int
	// onChange is told of every change of a pod, with its namespace (see
	// Watching).
	onChange func(ns string)
}

type pod struct {
	pod      workload.Pod
	started  bool
	logs     map[string]*containerLog
	previous map[string]*containerLog
}

type line struct {
	t    time.Time
	text []byte
}

type containerLog struct {
	lines []line
	ended bool
}

var _ workload.LogSource = &Source{}

// New returns an empty fake source.
func New() *Source {
	s := &Source{pods: map[string]*pod{}, Now: time.Now}
	s.cond = sync.NewCond(&s.mu)
	return s
}

func key(ns, name string) string { return ns + "/" + name }

// AddPod adds a pod whose containers have started (see NotStarted).
func (s *Source) AddPod(ns string, p workload.Pod) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fp := &pod{pod: p, started: true, logs: map[string]*containerLog{}}
	for _, c := range p.Containers {
		fp.logs[c] = &containerLog{}
	}
	s.pods[key(ns, p.Name)] = fp
	s.changed(ns)
	s.cond.Broadcast()
}

// SetStarted says whether the containers of a pod have started; logs of a
// pod that has not are refused with 400, like kube-apiserver's.
func (s *Source) SetStarted(ns, name string, started bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.pods[key(ns, name)]; p != nil {
		p.started = started
	}
	s.changed(ns)
	s.cond.Broadcast()
}

// Write appends text to a container's log, stamping each line.
func (s *Source) Write(ns, name, container, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pods[key(ns, name)]
	if p == nil {
		panic(fmt.Sprintf("no pod %s/%s", ns, name))
	}
	l := p.logs[container]
	now := s.Now().UTC()
	for _, t := range bytes.SplitAfter([]byte(text), []byte("\n")) {
		if len(t) > 0 {
			l.lines = append(l.lines, line{t: now, text: t})
		}
	}
	s.cond.Broadcast()
}

// WriteBytes appends lines to a container's log, like Write.
func (s *Source) WriteBytes(ns, name, container string, block []byte) {
	s.Write(ns, name, container, string(block))
}

// End ends a container's log: followers reach its end, and the pod is
// finished once all its containers ended.
func (s *Source) End(ns, name, container string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pods[key(ns, name)]
	p.logs[container].ended = true
	finished := true
	for _, l := range p.logs {
		finished = finished && l.ended
	}
	p.pod.Finished = finished
	s.changed(ns)
	s.cond.Broadcast()
}

// Restart restarts a container in place, as a kubelet does: its log
// ends (followers reach its end), its restart count grows, and a new
// empty log starts; the old one is its previous log.
func (s *Source) Restart(ns, name, container string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pods[key(ns, name)]
	old := p.logs[container]
	old.ended = true
	if p.previous == nil {
		p.previous = map[string]*containerLog{}
	}
	p.previous[container] = old
	p.logs[container] = &containerLog{}
	restarts := map[string]int32{}
	for c, n := range p.pod.Restarts {
		restarts[c] = n
	}
	restarts[container]++
	p.pod.Restarts = restarts
	s.changed(ns)
	s.cond.Broadcast()
}

// DeletePod removes a pod; its open streams end.
func (s *Source) DeletePod(ns, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.pods[key(ns, name)]; p != nil {
		for _, l := range p.logs {
			l.ended = true
		}
	}
	delete(s.pods, key(ns, name))
	s.changed(ns)
	s.cond.Broadcast()
}

// Active is the number of open streams.
func (s *Source) Active() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active
}

// Cancelled is the number of streams ended by their context.
func (s *Source) Cancelled() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cancelled
}

// changed tells onChange of a change in ns; s.mu is held.
func (s *Source) changed(ns string) {
	if s.onChange != nil {
		s.onChange(ns)
	}
}

// Reads is how many times ListPods and GetPod were called.
func (s *Source) Reads() (lists, gets int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lists, s.gets
}

// ListPods returns the pods selector selects.
func (s *Source) ListPods(_ context.Context, ns string, selector labels.Selector) ([]workload.Pod, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lists++
	return s.listPods(ns, selector), nil
}

func (s *Source) listPods(ns string, selector labels.Selector) []workload.Pod {
	var out []workload.Pod
	for k, p := range s.pods {
		if strings.HasPrefix(k, ns+"/") && selector.Matches(labels.Set(p.pod.Labels)) {
			out = append(out, p.pod)
		}
	}
	return out
}

// GetPod returns one pod.
func (s *Source) GetPod(_ context.Context, ns, name string) (*workload.Pod, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gets++
	return s.getPod(ns, name)
}

func (s *Source) getPod(ns, name string) (*workload.Pod, error) {
	p := s.pods[key(ns, name)]
	if p == nil {
		return nil, apierrors.NewNotFound(podsResource, name)
	}
	out := p.pod
	return &out, nil
}

// Stream reads a container's log; following, until the log ends, the pod
// is deleted or ctx is done.
func (s *Source) Stream(ctx context.Context, ns, name string, o workload.PodLogOptions) (io.ReadCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pods[key(ns, name)]
	if p == nil {
		return nil, apierrors.NewNotFound(podsResource, name)
	}
	if !p.started {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("container in pod %q is waiting to start: ContainerCreating", name))
	}
	container := o.Container
	if container == "" {
		container = p.pod.Containers[0]
	}
	l := p.logs[container]
	if l == nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", container, name))
	}
	if o.Previous {
		if l = p.previous[container]; l == nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("previous terminated container %q in pod %q not found", container, name))
		}
	}
	start := 0
	if o.TailLines != nil && int(*o.TailLines) < len(l.lines) {
		start = len(l.lines) - int(*o.TailLines)
	}
	if o.SinceSeconds != nil {
		since := s.Now().Add(-time.Duration(*o.SinceSeconds) * time.Second)
		for start < len(l.lines) && l.lines[start].t.Before(since) {
			start++
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &reader{s: s, l: l, next: start, follow: o.Follow, timestamps: o.Timestamps, ctx: ctx, cancel: cancel}
	s.active++
	stop := context.AfterFunc(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.cond.Broadcast()
	})
	r.stop = stop
	return r, nil
}

type reader struct {
	s          *Source
	l          *containerLog
	next       int
	pending    []byte
	follow     bool
	timestamps bool
	ctx        context.Context
	cancel     context.CancelFunc
	stop       func() bool
	closed     bool
}

func (r *reader) Read(p []byte) (int, error) {
	if len(r.pending) > 0 {
		n := copy(p, r.pending)
		r.pending = r.pending[n:]
		return n, nil
	}
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if r.ctx.Err() != nil {
			return 0, r.ctx.Err()
		}
		if r.next < len(r.l.lines) {
			var b []byte
			for r.next < len(r.l.lines) && len(b) < 256<<10 {
				ln := r.l.lines[r.next]
				if r.timestamps {
					b = append(b, ln.t.Format(time.RFC3339Nano)...)
					b = append(b, ' ')
				}
				b = append(b, ln.text...)
				r.next++
			}
			n := copy(p, b)
			r.pending = b[n:]
			return n, nil
		}
		if !r.follow || r.l.ended {
			return 0, io.EOF
		}
		s.cond.Wait()
	}
}

func (r *reader) Close() error {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	r.s.active--
	if r.ctx.Err() != nil && (r.follow && !r.l.ended) {
		r.s.cancelled++
	}
	r.stop()
	r.cancel()
	return nil
}
