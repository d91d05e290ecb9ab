package metrics

import (
	"context"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/storage/metricstore"
)

type summaryStore struct {
	metricstore.MetricStore
	series []metricstore.Series
}

func (s summaryStore) Read(context.Context, metricstore.Owner, metricstore.Query) ([]metricstore.Series, error) {
	return s.series, nil
}

// TestLatestWriterCoalesces: a thousand appends to a job between two
// flushes make one status write, with the series' last values.
func TestLatestWriterCoalesces(t *testing.T) {
	var mu sync.Mutex
	writes := map[metricstore.Owner][][]ml.MetricValue{}
	w := &LatestWriter{
		Store: summaryStore{series: []metricstore.Series{
			{SeriesID: metricstore.SeriesID{Name: "acc"}, Last: metricstore.Point{Step: 9, Value: 0.9}},
			{SeriesID: metricstore.SeriesID{Name: "loss"}, Last: metricstore.Point{Step: 10, Value: 0.1}},
			{SeriesID: metricstore.SeriesID{Task: "t", Name: "x"}, Last: metricstore.Point{Step: 1, Value: 1}},
		}},
		Update: func(_ context.Context, owner metricstore.Owner, latest []ml.MetricValue) error {
			mu.Lock()
			defer mu.Unlock()
			writes[owner] = append(writes[owner], latest)
			return nil
		},
	}
	a := metricstore.Owner{Resource: "trainingjobs", Namespace: "ns", Name: "a", UID: "1"}
	b := metricstore.Owner{Resource: "trainingjobs", Namespace: "ns", Name: "b", UID: "2"}
	for range 1000 {
		w.Touch(a)
	}
	w.Touch(b)
	w.Flush(t.Context())
	w.Flush(t.Context())
	want := []ml.MetricValue{{Name: "acc", Step: 9, Value: 0.9}, {Name: "loss", Step: 10, Value: 0.1}}
	if len(writes[a]) != 1 || len(writes[b]) != 1 {
		t.Fatalf("status writes: a %d, b %d, want one each", len(writes[a]), len(writes[b]))
	}
	if diff := cmp.Diff(want, writes[a][0]); diff != "" {
		t.Errorf("latestMetrics (-want +got):\n%s", diff)
	}
}
