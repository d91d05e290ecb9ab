package metricstore

import (
	"context"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	clientv3 "go.etcd.io/etcd/client/v3"

	"ml.example.io/ml-apiserver/pkg/standalone"
)

func startEtcd(t *testing.T) *clientv3.Client {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	e, err := standalone.StartEtcd(ctx, standalone.EtcdOptions{Dir: t.TempDir(), UnsafeNoFsync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	c, err := e.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func points(from, to int64, value func(int64) float64) []Point {
	var ps []Point
	for i := from; i < to; i++ {
		ps = append(ps, Point{Step: i, Time: 1_700_000_000_000_000 + i*1000, Value: value(i)})
	}
	return ps
}

func TestEtcdAppendReadDelete(t *testing.T) {
	client := startEtcd(t)
	ctx := context.Background()
	s := NewEtcd(client, EtcdOptions{Prefix: "/test/metrics", MaxPointsPerSeries: 3 * ChunkPoints})
	job := Owner{Resource: "trainingjobs", Namespace: "ns", Name: "job", UID: "u1"}
	job2 := Owner{Resource: "trainingjobs", Namespace: "ns", Name: "job2", UID: "u2"}
	loss := SeriesID{Name: "train/loss"}

	n := int64(ChunkPoints + 10)
	if err := s.Append(ctx, job, []Series{{SeriesID: loss, Points: points(0, n, func(i int64) float64 { return 10 - float64(i%100)/10 })}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ctx, job2, []Series{{SeriesID: SeriesID{Name: "acc"}, Points: points(0, 3, func(i int64) float64 { return float64(i) })}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Read(ctx, job, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].SeriesID != loss {
		t.Fatalf("series of job: %+v", got)
	}
	want := points(0, n, func(i int64) float64 { return 10 - float64(i%100)/10 })
	if diff := cmp.Diff(want, got[0].Points); diff != "" {
		t.Errorf("points (-want +got):\n%s", diff)
	}
	if got[0].Count != n || got[0].Last != want[n-1] || got[0].Min != want[99] || got[0].Max != want[0] {
		t.Errorf("summary count=%d last=%+v min=%+v max=%+v", got[0].Count, got[0].Last, got[0].Min, got[0].Max)
	}

	since, err := s.Read(ctx, job, Query{SinceStep: n - 2, Names: []string{"train/loss"}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want[n-2:], since[0].Points); diff != "" {
		t.Errorf("sinceStep points (-want +got):\n%s", diff)
	}

	if err := s.Delete(ctx, job); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Read(ctx, job, Query{}); len(got) != 0 {
		t.Errorf("series after delete: %d", len(got))
	}
	if got, _ := s.Read(ctx, job2, Query{}); len(got) != 1 || len(got[0].Points) != 3 {
		t.Errorf("series of job2 after deleting job: %+v", got)
	}
}

// TestEtcdCapDropsOldestChunks: past the cap the oldest chunks go, the
// newest points and the all-time summary stay.
func TestEtcdCapDropsOldestChunks(t *testing.T) {
	client := startEtcd(t)
	ctx := context.Background()
	s := NewEtcd(client, EtcdOptions{MaxPointsPerSeries: 2 * ChunkPoints})
	job := Owner{Resource: "trainingjobs", Namespace: "ns", Name: "job", UID: "u1"}
	id := SeriesID{Name: "loss"}
	value := func(i int64) float64 { return float64(i) }
	total := int64(5*ChunkPoints + 7)
	for from := int64(0); from < total; from += 1000 {
		if err := s.Append(ctx, job, []Series{{SeriesID: id, Points: points(from, min(from+1000, total), value)}}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Read(ctx, job, Query{})
	if err != nil {
		t.Fatal(err)
	}
	want := points(3*ChunkPoints, total, value)
	if diff := cmp.Diff(want, got[0].Points); diff != "" {
		t.Errorf("points kept (-want +got):\n%s", diff)
	}
	if got[0].Count != int64(len(want)) {
		t.Errorf("count %d, want %d", got[0].Count, len(want))
	}
	if got[0].Min.Step != 0 || got[0].Max.Step != total-1 {
		t.Errorf("summary forgot dropped points: min %+v max %+v", got[0].Min, got[0].Max)
	}
}

// TestEtcdConcurrentAppends: writers of one series through two stores
// (two servers) lose no point.
func TestEtcdConcurrentAppends(t *testing.T) {
	client := startEtcd(t)
	ctx := context.Background()
	stores := []*Etcd{NewEtcd(client, EtcdOptions{}), NewEtcd(client, EtcdOptions{})}
	job := Owner{Resource: "pipelineruns", Namespace: "ns", Name: "run", UID: "u1"}
	id := SeriesID{Task: "train", Name: "loss"}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				p := Point{Step: int64(w*100 + i), Value: 1}
				if err := stores[w%2].Append(ctx, job, []Series{{SeriesID: id, Points: []Point{p}}}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	got, err := stores[0].Read(ctx, job, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Task != "train" || len(got[0].Points) != 80 || got[0].Count != 80 {
		t.Fatalf("got %d series, first %+v", len(got), got[0].SeriesID)
	}
}
