package latestmetrics

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	clienttesting "k8s.io/client-go/testing"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/fake"
	mlinformers "ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
	"ml.example.io/ml-apiserver/pkg/storage/metricstore"
)

// summaryStore answers every read with series and tells a watcher of the
// owners in appends, as the etcd store does.
type summaryStore struct {
	series  []metricstore.Series
	appends chan metricstore.Owner
}

func (s *summaryStore) Read(context.Context, metricstore.Owner, metricstore.Query) ([]metricstore.Series, error) {
	return s.series, nil
}

func (s *summaryStore) WatchAppends(ctx context.Context, fn func(metricstore.Owner)) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case o := <-s.appends:
			fn(o)
		}
	}
}

func job(name string, uid types.UID) *mlv1alpha1.TrainingJob {
	return &mlv1alpha1.TrainingJob{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, UID: uid}}
}

// fixture is the controller over a fake clientset holding jobs.
func fixture(t *testing.T, store *summaryStore, jobs ...*mlv1alpha1.TrainingJob) (*Controller, *fake.Clientset, mlinformers.SharedInformerFactory) {
	t.Helper()
	objs := make([]runtime.Object, 0, len(jobs))
	for _, j := range jobs {
		objs = append(objs, j)
	}
	client := fake.NewClientset(objs...)
	f := mlinformers.NewSharedInformerFactory(client, 0)
	c := New(Config{Client: client, Jobs: f.Ml().V1alpha1().TrainingJobs(), Store: store, Interval: 20 * time.Millisecond, FieldManager: "test"})
	f.Start(t.Context().Done())
	t.Cleanup(f.Shutdown)
	f.WaitForCacheSync(t.Context().Done())
	return c, client, f
}

// statusWrites are the status updates of the client, by job name.
func statusWrites(client *fake.Clientset) map[string][]*mlv1alpha1.TrainingJob {
	out := map[string][]*mlv1alpha1.TrainingJob{}
	for _, a := range client.Actions() {
		if u, ok := a.(clienttesting.UpdateAction); ok && a.GetSubresource() == "status" {
			j := u.GetObject().(*mlv1alpha1.TrainingJob)
			out[j.Name] = append(out[j.Name], j)
		}
	}
	return out
}

var series = []metricstore.Series{
	{SeriesID: metricstore.SeriesID{Name: "acc"}, Last: metricstore.Point{Step: 9, Value: 0.9}},
	{SeriesID: metricstore.SeriesID{Name: "loss"}, Last: metricstore.Point{Step: 10, Value: 0.1}},
	{SeriesID: metricstore.SeriesID{Task: "t", Name: "x"}, Last: metricstore.Point{Step: 1, Value: 1}},
}

// TestFlushCoalesces: a thousand appends to a job between two flushes make
// one status write, with the series' last values; a replaced job (another
// UID) and other resources are not written.
func TestFlushCoalesces(t *testing.T) {
	c, client, _ := fixture(t, &summaryStore{series: series}, job("a", "1"), job("b", "2"), job("replaced", "new"))
	a := metricstore.Owner{Resource: "trainingjobs", Namespace: "ns", Name: "a", UID: "1"}
	for range 1000 {
		c.Touch(a)
	}
	c.Touch(metricstore.Owner{Resource: "trainingjobs", Namespace: "ns", Name: "b", UID: "2"})
	c.Touch(metricstore.Owner{Resource: "trainingjobs", Namespace: "ns", Name: "replaced", UID: "old"})
	c.Touch(metricstore.Owner{Resource: "pipelineruns", Namespace: "ns", Name: "a", UID: "1"})
	c.Flush(t.Context())
	c.Flush(t.Context())
	writes := statusWrites(client)
	if len(writes["a"]) != 1 || len(writes["b"]) != 1 || len(writes["replaced"]) != 0 {
		t.Fatalf("status writes: a %d, b %d, replaced %d; want 1, 1, 0", len(writes["a"]), len(writes["b"]), len(writes["replaced"]))
	}
	want := []mlv1alpha1.MetricValue{{Name: "acc", Step: 9, Value: 0.9}, {Name: "loss", Step: 10, Value: 0.1}}
	if diff := cmp.Diff(want, writes["a"][0].Status.LatestMetrics); diff != "" {
		t.Errorf("latestMetrics (-want +got):\n%s", diff)
	}
}

// TestUnchangedNotWritten: a job whose status already says the latest
// values is not written again.
func TestUnchangedNotWritten(t *testing.T) {
	j := job("a", "1")
	j.Status.LatestMetrics = Latest(series)
	c, client, _ := fixture(t, &summaryStore{series: series}, j)
	c.Touch(metricstore.Owner{Resource: "trainingjobs", Namespace: "ns", Name: "a", UID: "1"})
	c.Flush(t.Context())
	if w := statusWrites(client)["a"]; len(w) != 0 {
		t.Errorf("%d status writes of an unchanged job", len(w))
	}
}

// TestRunFollowsAppends: Run writes a job within an interval of an
// append the store reports, and stops with its context.
func TestRunFollowsAppends(t *testing.T) {
	store := &summaryStore{series: series, appends: make(chan metricstore.Owner)}
	c, client, _ := fixture(t, store, job("a", "1"))
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Go(func() { c.Run(ctx, 1) })
	select {
	case store.appends <- metricstore.Owner{Resource: "trainingjobs", Namespace: "ns", Name: "a", UID: "1"}:
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not watch the appends")
	}
	err := wait.PollUntilContextTimeout(t.Context(), 10*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return len(statusWrites(client)["a"]) == 1, nil
	})
	if err != nil {
		t.Errorf("status writes of a: %d, want 1", len(statusWrites(client)["a"]))
	}
}
