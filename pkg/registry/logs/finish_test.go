package logs

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// endlessSource serves a stream that never ends by itself, like kwok's
// follow of a fake pod; its pod ends when told.
type endlessSource struct {
	mu       sync.Mutex
	finished bool
	gone     bool
}

func (s *endlessSource) ListPods(context.Context, string, labels.Selector) ([]workload.Pod, error) {
	return nil, nil
}

func (s *endlessSource) GetPod(_ context.Context, _, name string) (*workload.Pod, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone {
		return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, name)
	}
	return &workload.Pod{Name: name, UID: "u", Finished: s.finished}, nil
}

func (s *endlessSource) Stream(context.Context, string, string, workload.PodLogOptions) (io.ReadCloser, error) {
	pr, pw := io.Pipe()
	go func() { _, _ = pw.Write([]byte("line\n")) }()
	return pr, nil
}

func TestFollowEndsWhenThePodEnds(t *testing.T) {
	for _, end := range []string{"finished", "gone"} {
		t.Run(end, func(t *testing.T) {
			src := &endlessSource{}
			r := NewREST(Config{Source: src})
			r.finishPoll, r.finishGrace = 10*time.Millisecond, 10*time.Millisecond
			up, _ := src.Stream(context.Background(), "ns", "p", workload.PodLogOptions{})
			rc := r.untilFinished(context.Background(), "ns", "p", "u", up, nil)
			buf := make([]byte, 5)
			if _, err := io.ReadFull(rc, buf); err != nil || string(buf) != "line\n" {
				t.Fatalf("first line %q, %v", buf, err)
			}
			done := make(chan error, 1)
			go func() {
				_, err := rc.Read(buf)
				done <- err
			}()
			select {
			case err := <-done:
				t.Fatalf("the stream ended (%v) while the pod runs", err)
			case <-time.After(100 * time.Millisecond):
			}
			src.mu.Lock()
			if end == "finished" {
				src.finished = true
			} else {
				src.gone = true
			}
			src.mu.Unlock()
			select {
			case err := <-done:
				if err != io.EOF {
					t.Errorf("the stream of an ended pod ended with %v, want io.EOF", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the stream did not end after its pod ended")
			}
		})
	}
}
