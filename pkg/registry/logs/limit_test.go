package logs_test

import (
	"bufio"
	"context"
	"io"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/logs"
	"ml.example.io/ml-apiserver/pkg/registry/logs/logstest"
)

// With --max-log-follows follows open, the next is refused with 429 and a
// Retry-After; reads that do not follow are not counted; a follow gives
// its place back when its client goes away, and when its request ends
// before its stream was read.
func TestFollowLimit(t *testing.T) {
	limit := logs.NewFollowLimit(2)
	source := logstest.New()
	job := trainingJob(1)
	r := logs.NewREST(logs.Config{Resource: ml.Resource("things"), Objects: &objects{obj: job}, Kind: jobKind{}, Source: source, Archive: &logstest.Archive{}, Follows: limit})
	logs.SetPollsForTest(r, 20*time.Millisecond, 20*time.Millisecond)
	e := &env{source: source, objects: &objects{obj: job}, rest: r}
	e.addReplica("0", "uid-0")
	source.Write(ns, "train-0", "main", "epoch 1\n")

	// The first follow is read, as the server does, until its client goes
	// away (its request's context ends).
	clientCtx, clientGone := context.WithCancel(genericapirequest.WithNamespace(t.Context(), ns))
	defer clientGone()
	firstRC := openLog(t, clientCtx, r, "train", &ml.LogOptions{Follow: true})
	if line, err := bufio.NewReader(firstRC).ReadString('\n'); err != nil || line != "[replica-0] epoch 1\n" {
		t.Fatalf("first follow read %q, %v", line, err)
	}
	// A follow whose stream is never read holds its place until its
	// request ends.
	reqCtx, endRequest := context.WithCancel(genericapirequest.WithNamespace(t.Context(), ns))
	if _, err := r.Get(reqCtx, "train", &ml.LogOptions{Follow: true}); err != nil {
		t.Fatal(err)
	}
	if got := limit.Open(); got != 2 {
		t.Fatalf("%d follows open, want 2", got)
	}
	ctx := genericapirequest.WithNamespace(t.Context(), ns)
	_, err := r.Get(ctx, "train", &ml.LogOptions{Follow: true})
	if !apierrors.IsTooManyRequests(err) {
		t.Fatalf("a third follow: %v, want 429 Too Many Requests", err)
	}
	if s, ok := apierrors.SuggestsClientDelay(err); !ok || s <= 0 {
		t.Errorf("the refusal suggests no Retry-After: %v", err)
	}
	t.Logf("refused: %v", err)
	// Reading without following is not counted.
	_ = openLog(t, ctx, r, "train", &ml.LogOptions{}).Close()

	endRequest()
	waitOpen(t, limit, 1)
	clientGone()
	_ = firstRC.Close()
	waitOpen(t, limit, 0)
	again := e.follow(t, "train", &ml.LogOptions{})
	again.next(t, 1)
	if got := limit.Open(); got != 1 {
		t.Errorf("%d follows open, want 1", got)
	}
}

func waitOpen(t *testing.T, l *logs.FollowLimit, want int) {
	t.Helper()
	deadline := time.Now().Add(readTimeout)
	for l.Open() != want {
		if time.Now().After(deadline) {
			t.Fatalf("%d follows open, want %d", l.Open(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// openLog gets the log of name as the server does, Get then InputStream,
// and closes it when the test ends.
func openLog(t *testing.T, ctx context.Context, r *logs.REST, name string, o *ml.LogOptions) io.ReadCloser {
	t.Helper()
	out, err := r.Get(ctx, name, o)
	if err != nil {
		t.Fatalf("log of %s: %v", name, err)
	}
	rc, _, _, err := out.(rest.ResourceStreamer).InputStream(ctx, "v1alpha1", "text/plain")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rc.Close() })
	return rc
}
