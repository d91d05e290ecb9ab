package logs

import (
	"context"
	"io"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// How a followed pod's end is noticed: it is asked every finishPoll, and
// once it has ended its stream gets finishGrace more for its last lines.
const (
	finishPoll  = time.Second
	finishGrace = 2 * time.Second
)

// untilFinished ends the followed stream rc of pod cleanly (io.EOF) once
// the pod has ended or is gone. A kubelet ends a follow when the container
// exits; this makes every source do so, so that following an object that
// ends ends too. The pod is read from pods, a shared pod watch's cache,
// when set (a pod the cache does not have is asked of the source before
// taken as gone: the cache may not have it yet), else from the source.
func (r *REST) untilFinished(ctx context.Context, namespace, pod string, uid types.UID, rc io.ReadCloser, pods workload.PodReader) io.ReadCloser {
	f := &finishingReader{rc: rc, done: make(chan struct{})}
	go func() {
		t := time.NewTicker(r.finishPoll)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-f.done:
				return
			case <-t.C:
			}
			p, err := r.podOf(ctx, pods, namespace, pod)
			ended := apierrors.IsNotFound(err) || (err == nil && (p.Finished || (uid != "" && p.UID != uid)))
			if !ended {
				continue
			}
			select {
			case <-ctx.Done():
				return
			case <-f.done:
				return
			case <-time.After(r.finishGrace):
			}
			f.finish()
			return
		}
	}()
	return f
}

// finishingReader reads rc until finish is called, then reports io.EOF.
type finishingReader struct {
	rc       io.ReadCloser
	once     sync.Once
	done     chan struct{}
	mu       sync.Mutex
	finished bool
}

func (f *finishingReader) Read(p []byte) (int, error) {
	n, err := f.rc.Read(p)
	if err != nil {
		f.mu.Lock()
		finished := f.finished
		f.mu.Unlock()
		if finished {
			return n, io.EOF
		}
	}
	return n, err
}

// finish ends the stream: the upstream is closed, and reads end with
// io.EOF.
func (f *finishingReader) finish() {
	f.mu.Lock()
	f.finished = true
	f.mu.Unlock()
	_ = f.rc.Close()
}

func (f *finishingReader) Close() error {
	f.once.Do(func() { close(f.done) })
	return f.rc.Close()
}

// podOf reads pod from pods, or from the source when pods is nil or has
// no such pod.
func (r *REST) podOf(ctx context.Context, pods workload.PodReader, namespace, pod string) (*workload.Pod, error) {
	if pods != nil {
		p, err := pods.GetPod(ctx, namespace, pod)
		if !apierrors.IsNotFound(err) {
			return p, err
		}
	}
	return r.c.Source.GetPod(ctx, namespace, pod)
}
