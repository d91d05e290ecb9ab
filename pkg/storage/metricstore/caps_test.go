package metricstore

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ml.example.io/ml-apiserver/pkg/storage/budget"
)

func constant(int64) float64 { return 1 }

// TestEtcdSeriesCap: an append that would create series past the cap
// stores nothing, not even the points of its existing series; appends to
// existing series go on.
func TestEtcdSeriesCap(t *testing.T) {
	ctx := context.Background()
	s := NewEtcd(startEtcd(t), EtcdOptions{MaxSeriesPerObject: 3})
	job := Owner{Resource: "trainingjobs", Namespace: "ns", Name: "job", UID: "u1"}
	one := func(name string, from int64) Series {
		return Series{SeriesID: SeriesID{Name: name}, Points: points(from, from+10, constant)}
	}
	if err := s.Append(ctx, job, []Series{one("a", 0), one("b", 0), one("c", 0)}); err != nil {
		t.Fatal(err)
	}
	err := s.Append(ctx, job, []Series{one("a", 10), one("d", 0), one("e", 0)})
	var capErr *SeriesCapError
	if !errors.As(err, &capErr) || capErr.Cap != 3 || capErr.Have != 3 || len(capErr.New) != 2 {
		t.Fatalf("append of 2 new series past a cap of 3: %v, want a SeriesCapError", err)
	}
	if err := s.Append(ctx, job, []Series{one("a", 10), one("c", 10)}); err != nil {
		t.Fatalf("append to existing series at the cap: %v", err)
	}
	got, err := s.Read(ctx, job, Query{})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	for _, series := range got {
		counts[series.Name] = series.Count
	}
	if want := map[string]int64{"a": 20, "b": 10, "c": 20}; len(counts) != 3 || counts["a"] != 20 || counts["b"] != 10 || counts["c"] != 20 {
		t.Errorf("series counts %v, want %v", counts, want)
	}
	// Another object has its own cap.
	other := Owner{Resource: "trainingjobs", Namespace: "ns", Name: "other", UID: "u2"}
	if err := s.Append(ctx, other, []Series{one("d", 0), one("e", 0)}); err != nil {
		t.Errorf("another object's new series: %v", err)
	}
}

// TestEtcdBytesCap: appends stop at the object's byte cap with nothing of
// the refused append stored.
func TestEtcdBytesCap(t *testing.T) {
	ctx := context.Background()
	const capBytes = 200 << 10
	s := NewEtcd(startEtcd(t), EtcdOptions{MaxBytesPerObject: capBytes})
	job := Owner{Resource: "trainingjobs", Namespace: "ns", Name: "job", UID: "u1"}
	var stored int64
	var err error
	for from := int64(0); from < 100*ChunkPoints; from += 1000 {
		if err = s.Append(ctx, job, []Series{{SeriesID: SeriesID{Name: "loss"}, Points: points(from, from+1000, constant)}}); err != nil {
			break
		}
		stored = from + 1000
	}
	var capErr *BytesCapError
	if !errors.As(err, &capErr) || capErr.Cap != capBytes {
		t.Fatalf("appends until %d points ended with %v, want a BytesCapError", stored, err)
	}
	if capErr.Used > capBytes || capErr.Used+capErr.Adding <= capBytes {
		t.Errorf("refusal says %d used + %d adding, cap %d", capErr.Used, capErr.Adding, capBytes)
	}
	got, err := s.Read(ctx, job, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Count != stored {
		t.Errorf("%d points stored, want %d: the refused append must store nothing", got[0].Count, stored)
	}
}

// TestEtcdBudget: the budget refuses appends of every object once full,
// deleting an object gives its bytes back, and a new budget (a restarted
// server) counts what is stored.
func TestEtcdBudget(t *testing.T) {
	ctx := context.Background()
	client := startEtcd(t)
	const limit = 300 << 10
	b := budget.New(client, limit)
	s := NewEtcd(client, EtcdOptions{Budget: b})
	b.Count(s.UsagePrefix())
	a := Owner{Resource: "trainingjobs", Namespace: "ns", Name: "a", UID: "ua"}
	c := Owner{Resource: "models", Namespace: "ns", Name: "c", UID: "uc"}
	var err error
	for from := int64(0); from < 100*ChunkPoints; from += 2000 {
		if err = s.Append(ctx, a, []Series{{SeriesID: SeriesID{Name: "loss"}, Points: points(from, from+2000, constant)}}); err != nil {
			break
		}
	}
	var full *budget.ExceededError
	if !errors.As(err, &full) || full.Limit != limit {
		t.Fatalf("filling the budget ended with %v, want an ExceededError", err)
	}
	used := b.Used()
	if used > limit || used < limit/2 {
		t.Errorf("budget used %d of %d", used, limit)
	}
	if err := s.Append(ctx, c, []Series{{SeriesID: SeriesID{Name: "acc"}, Points: points(0, 2000, constant)}}); !errors.As(err, &full) {
		t.Errorf("another object's append into a full budget: %v, want an ExceededError", err)
	}

	restarted := budget.New(client, limit)
	restarted.Count(s.UsagePrefix())
	if err := restarted.Recount(ctx); err != nil {
		t.Fatal(err)
	}
	if restarted.Used() != used {
		t.Errorf("a restarted server counts %d bytes, the running one %d", restarted.Used(), used)
	}

	if err := s.Delete(ctx, a); err != nil {
		t.Fatal(err)
	}
	if b.Used() != 0 {
		t.Errorf("budget used %d after deleting the only object", b.Used())
	}
	if err := s.Append(ctx, c, []Series{{SeriesID: SeriesID{Name: "acc"}, Points: points(0, 2000, constant)}}); err != nil {
		t.Errorf("append after the delete freed the budget: %v", err)
	}
	if err := restarted.Recount(ctx); err != nil {
		t.Fatal(err)
	}
	if restarted.Used() != b.Used() {
		t.Errorf("after delete and append a recount finds %d bytes, the running budget %d", restarted.Used(), b.Used())
	}
}

// TestEtcdEachSummaries: summaries and full reads list the same series in
// the same order, task then name.
func TestEtcdEachSummaries(t *testing.T) {
	ctx := context.Background()
	s := NewEtcd(startEtcd(t), EtcdOptions{})
	run := Owner{Resource: "pipelineruns", Namespace: "ns", Name: "run", UID: "u1"}
	var batch []Series
	for _, id := range []SeriesID{{Task: "train", Name: "a/b"}, {Task: "train", Name: "a-b"}, {Task: "train-2", Name: "x"}, {Task: "train", Name: "z"}} {
		batch = append(batch, Series{SeriesID: id, Points: points(0, 3, constant)})
	}
	if err := s.Append(ctx, run, batch); err != nil {
		t.Fatal(err)
	}
	ids := func(q Query) []SeriesID {
		var out []SeriesID
		if err := s.Each(ctx, run, q, func(series Series) error {
			if !q.SummaryOnly && len(series.Points) != 3 || series.Count != 3 {
				t.Errorf("%v: %d points, count %d", series.SeriesID, len(series.Points), series.Count)
			}
			out = append(out, series.SeriesID)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := []SeriesID{{Task: "train", Name: "a-b"}, {Task: "train", Name: "a/b"}, {Task: "train", Name: "z"}, {Task: "train-2", Name: "x"}}
	for _, q := range []Query{{}, {SummaryOnly: true}} {
		if diff := cmp.Diff(want, ids(q)); diff != "" {
			t.Errorf("series of %+v (-want +got):\n%s", q, diff)
		}
	}
}
