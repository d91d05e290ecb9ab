package metricstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// chunksPerRead is how many chunks (about 50 KiB each) one etcd request of
// a reader fetches.
const chunksPerRead = 16

// Read implements MetricStore with Each.
func (s *Etcd) Read(ctx context.Context, owner Owner, q Query) ([]Series, error) {
	var out []Series
	err := s.Each(ctx, owner, q, func(series Series) error {
		out = append(out, series)
		return nil
	})
	return out, err
}

// Each implements MetricStore: the series are read at one etcd revision,
// so a concurrent append is seen whole or not at all, and one series at a
// time, so a reader holds the points of one series only.
func (s *Etcd) Each(ctx context.Context, owner Owner, q Query, fn func(Series) error) error {
	if q.SummaryOnly {
		return s.eachSummary(ctx, owner, q, fn)
	}
	op := s.ownerPrefix(owner)
	resp, err := s.client.Get(ctx, op+"m/", clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		return fmt.Errorf("read metric series: %w", err)
	}
	rev := resp.Header.Revision
	var ids []SeriesID
	for _, kv := range resp.Kvs {
		id, err := parseSeriesPath(strings.TrimPrefix(string(kv.Key), op+"m/"))
		if err != nil {
			return err
		}
		if q.selects(id) {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, cmpID)
	for _, id := range ids {
		resp, err := s.client.Get(ctx, s.metaKey(op, id), clientv3.WithRev(rev))
		if err != nil {
			return fmt.Errorf("read metric series: %w", err)
		}
		if len(resp.Kvs) == 0 {
			continue
		}
		m, err := decodeMeta(resp.Kvs[0].Value)
		if err != nil {
			return err
		}
		series := Series{SeriesID: id, Count: m.Count, Last: m.Last, Min: m.Min, Max: m.Max}
		if !q.SummaryOnly {
			if series.Points, err = s.readPoints(ctx, op, id, m, rev); err != nil {
				return err
			}
			series.Points = sinceStep(sortByStep(series.Points), q.SinceStep)
		}
		if err := fn(series); err != nil {
			return err
		}
	}
	return nil
}

// eachSummary reads the summaries of the owner's series in one request.
func (s *Etcd) eachSummary(ctx context.Context, owner Owner, q Query, fn func(Series) error) error {
	op := s.ownerPrefix(owner)
	resp, err := s.client.Get(ctx, op+"m/", clientv3.WithPrefix())
	if err != nil {
		return fmt.Errorf("read metric series: %w", err)
	}
	var out []Series
	for _, kv := range resp.Kvs {
		id, err := parseSeriesPath(strings.TrimPrefix(string(kv.Key), op+"m/"))
		if err != nil {
			return err
		}
		if !q.selects(id) {
			continue
		}
		m, err := decodeMeta(kv.Value)
		if err != nil {
			return err
		}
		out = append(out, Series{SeriesID: id, Count: m.Count, Last: m.Last, Min: m.Min, Max: m.Max})
	}
	slices.SortFunc(out, func(a, b Series) int { return cmpID(a.SeriesID, b.SeriesID) })
	for _, series := range out {
		if err := fn(series); err != nil {
			return err
		}
	}
	return nil
}

// cmpID orders series by task, then name.
func cmpID(a, b SeriesID) int {
	if c := strings.Compare(a.Task, b.Task); c != 0 {
		return c
	}
	return strings.Compare(a.Name, b.Name)
}

func (s *Etcd) readPoints(ctx context.Context, op string, id SeriesID, m *meta, rev int64) ([]Point, error) {
	points := make([]Point, 0, m.Count)
	chunks := s.chunkPrefix(op, id)
	for from := m.First; from < m.Next; from += chunksPerRead {
		to := min(from+chunksPerRead, m.Next)
		resp, err := s.client.Get(ctx, chunkKey(chunks, from), clientv3.WithRange(chunkKey(chunks, to)), clientv3.WithRev(rev))
		if err != nil {
			return nil, fmt.Errorf("read metric chunks: %w", err)
		}
		for _, kv := range resp.Kvs {
			if points, err = decodePoints(points, kv.Value); err != nil {
				return nil, err
			}
		}
	}
	return decodePoints(points, m.head)
}

// sortByStep orders points by step, keeping the order of arrival among
// equal steps; points usually arrive in order, so that is checked first.
func sortByStep(points []Point) []Point {
	if !slices.IsSortedFunc(points, cmpStep) {
		slices.SortStableFunc(points, cmpStep)
	}
	return points
}

func cmpStep(a, b Point) int {
	switch {
	case a.Step < b.Step:
		return -1
	case a.Step > b.Step:
		return 1
	}
	return 0
}

func sinceStep(points []Point, step int64) []Point {
	if step <= 0 {
		return points
	}
	i, _ := slices.BinarySearchFunc(points, step, func(p Point, s int64) int { return cmpStep(p, Point{Step: s}) })
	return points[i:]
}
