package e2e

import (
	"mime"
	"net/http"
	"sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/e2e/framework"
)

// TestProtobufThroughAggregator creates, gets, lists and watches
// TrainingJobs through kube-apiserver with the generated clientset's
// defaults, and checks that every answer the aggregator relayed from
// ml-apiserver was protobuf.
func TestProtobufThroughAggregator(t *testing.T) {
	ctx := testContext(t, longTimeout)
	ns := cluster.Namespace(t)
	var (
		mu   sync.Mutex
		seen = map[string][]string{} // media type -> requests
	)
	cfg := rest.CopyConfig(cluster.Config())
	cfg.ContentType, cfg.AcceptContentTypes = "", ""
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(req *http.Request) (*http.Response, error) {
			resp, err := rt.RoundTrip(req)
			if err == nil {
				mediaType, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
				mu.Lock()
				seen[mediaType] = append(seen[mediaType], req.Method+" "+req.URL.Path)
				mu.Unlock()
			}
			return resp, err
		})
	})
	jobs := framework.ML(t, cfg).MlV1alpha1().TrainingJobs(ns)

	w, err := jobs.Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	defer w.Stop()
	created, err := jobs.Create(ctx, mltesting.NewTrainingJob("proto", ns).Obj(), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	got, err := jobs.Get(ctx, "proto", metav1.GetOptions{})
	if err != nil || got.UID != created.UID || got.Spec.Image != created.Spec.Image {
		t.Fatalf("get: %v, %+v", err, got)
	}
	list, err := jobs.List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 1 || list.Items[0].UID != created.UID {
		t.Fatalf("list: %v, %+v", err, list)
	}
	select {
	case ev, ok := <-w.ResultChan():
		if !ok || ev.Type != watch.Added || ev.Object.(*mlv1alpha1.TrainingJob).UID != created.UID {
			t.Fatalf("watch: %v %v %#v", ok, ev.Type, ev.Object)
		}
	case <-ctx.Done():
		t.Fatalf("no watch event: %v", ctx.Err())
	}

	mu.Lock()
	defer mu.Unlock()
	for mediaType, requests := range seen {
		if mediaType != runtime.ContentTypeProtobuf {
			t.Errorf("answers in %s through kube-apiserver: %v", mediaType, requests)
		}
	}
	if n := len(seen[runtime.ContentTypeProtobuf]); n < 4 {
		t.Errorf("%d protobuf answers (%v), want one per request: watch, create, get, list", n, seen[runtime.ContentTypeProtobuf])
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
