package metricstore

import (
	"context"
	"fmt"
	"hash/fnv"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"

	clientv3 "go.etcd.io/etcd/client/v3"
)

const (
	// DefaultPrefix is the etcd key prefix of metric series: outside the
	// object prefix /registry/ml.example.io.
	DefaultPrefix = "/ml.example.io-metrics"
	// ChunkPoints is the number of points in a full chunk.
	ChunkPoints = 4096
	// DefaultMaxPointsPerSeries bounds a series; beyond it the oldest
	// chunks are dropped.
	DefaultMaxPointsPerSeries = 1 << 20
	// maxAttempts bounds the retries of an append that raced another
	// writer of the same series.
	maxAttempts = 20
)

// EtcdOptions configure the etcd store.
type EtcdOptions struct {
	// Prefix is the key prefix (DefaultPrefix when empty).
	Prefix string
	// MaxPointsPerSeries bounds each series (DefaultMaxPointsPerSeries when
	// 0). It is rounded up to whole chunks.
	MaxPointsPerSeries int64
}

// Etcd is the etcd-backed MetricStore.
type Etcd struct {
	client    *clientv3.Client
	prefix    string
	maxChunks int64

	// locks serialize the appends of one owner in this process, so that
	// concurrent POSTs for one job rarely conflict in etcd; other servers
	// are handled by the compare-and-swap of the transaction.
	locks [64]sync.Mutex
}

var _ MetricStore = &Etcd{}

// NewEtcd returns a MetricStore on client.
func NewEtcd(client *clientv3.Client, o EtcdOptions) *Etcd {
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.MaxPointsPerSeries <= 0 {
		o.MaxPointsPerSeries = DefaultMaxPointsPerSeries
	}
	return &Etcd{
		client:    client,
		prefix:    strings.TrimSuffix(o.Prefix, "/"),
		maxChunks: max(1, (o.MaxPointsPerSeries+ChunkPoints-1)/ChunkPoints),
	}
}

// ownerPrefix ends with a slash so that "job" never matches "job2".
func (s *Etcd) ownerPrefix(o Owner) string {
	p := path.Join(s.prefix, o.Resource, o.Namespace, o.Name) + "/"
	if o.UID != "" {
		p += string(o.UID) + "/"
	}
	return p
}

// seriesPath is <task>/<escaped name>; "_" stands for no task (task names
// are DNS labels, never "_").
func seriesPath(id SeriesID) string {
	task := id.Task
	if task == "" {
		task = "_"
	}
	return task + "/" + url.QueryEscape(id.Name)
}

func parseSeriesPath(p string) (SeriesID, error) {
	task, esc, ok := strings.Cut(p, "/")
	if !ok {
		return SeriesID{}, fmt.Errorf("corrupt metric series key %q", p)
	}
	name, err := url.QueryUnescape(esc)
	if err != nil {
		return SeriesID{}, fmt.Errorf("corrupt metric series key %q: %w", p, err)
	}
	if task == "_" {
		task = ""
	}
	return SeriesID{Task: task, Name: name}, nil
}

func (s *Etcd) metaKey(owner string, id SeriesID) string {
	return owner + "m/" + seriesPath(id)
}

func (s *Etcd) chunkPrefix(owner string, id SeriesID) string {
	return owner + "c/" + seriesPath(id) + "/"
}

func chunkKey(prefix string, seq int64) string {
	return fmt.Sprintf("%s%016x", prefix, seq)
}

func (s *Etcd) lock(owner string) *sync.Mutex {
	h := fnv.New32a()
	_, _ = h.Write([]byte(owner))
	return &s.locks[h.Sum32()%uint32(len(s.locks))]
}

// Append implements MetricStore: one etcd transaction that compares the
// summaries it read, retried when another writer won.
func (s *Etcd) Append(ctx context.Context, owner Owner, batch []Series) error {
	op := s.ownerPrefix(owner)
	mu := s.lock(op)
	mu.Lock()
	defer mu.Unlock()

	// Merge entries of the same series, keeping their order.
	var ids []SeriesID
	points := map[SeriesID][]Point{}
	for _, b := range batch {
		if _, ok := points[b.SeriesID]; !ok {
			ids = append(ids, b.SeriesID)
		}
		points[b.SeriesID] = append(points[b.SeriesID], b.Points...)
	}
	if len(ids) == 0 {
		return nil
	}
	for range maxAttempts {
		gets := make([]clientv3.Op, len(ids))
		for i, id := range ids {
			gets[i] = clientv3.OpGet(s.metaKey(op, id))
		}
		read, err := s.client.Txn(ctx).Then(gets...).Commit()
		if err != nil {
			return fmt.Errorf("read metric series: %w", err)
		}
		var cmps []clientv3.Cmp
		var ops []clientv3.Op
		for i, id := range ids {
			key := s.metaKey(op, id)
			m := &meta{}
			var rev int64
			if kvs := read.Responses[i].GetResponseRange().Kvs; len(kvs) > 0 {
				rev = kvs[0].ModRevision
				if m, err = decodeMeta(kvs[0].Value); err != nil {
					return err
				}
			}
			cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(key), "=", rev))
			chunks := s.chunkPrefix(op, id)
			for _, p := range points[id] {
				m.add(p)
				if m.HeadCount == ChunkPoints {
					ops = append(ops, clientv3.OpPut(chunkKey(chunks, m.Next), string(m.head)))
					m.Next++
					m.head, m.HeadCount, m.Tail = nil, 0, Point{}
				}
			}
			if m.Next-m.First > s.maxChunks {
				drop := m.Next - m.First - s.maxChunks
				ops = append(ops, clientv3.OpDelete(chunkKey(chunks, m.First), clientv3.WithRange(chunkKey(chunks, m.First+drop))))
				m.First += drop
				m.Count -= drop * ChunkPoints
			}
			value, err := encodeMeta(m)
			if err != nil {
				return err
			}
			ops = append(ops, clientv3.OpPut(key, string(value)))
		}
		resp, err := s.client.Txn(ctx).If(cmps...).Then(ops...).Commit()
		if err != nil {
			return fmt.Errorf("append metric points: %w", err)
		}
		if resp.Succeeded {
			return nil
		}
	}
	return fmt.Errorf("append metric points: %d attempts conflicted with other writers", maxAttempts)
}

// Read implements MetricStore: the summaries and chunks are read at one
// etcd revision, so a concurrent append is seen whole or not at all.
func (s *Etcd) Read(ctx context.Context, owner Owner, q Query) ([]Series, error) {
	op := s.ownerPrefix(owner)
	resp, err := s.client.Get(ctx, op+"m/", clientv3.WithPrefix())
	if err != nil {
		return nil, fmt.Errorf("read metric series: %w", err)
	}
	rev := resp.Header.Revision
	var out []Series
	for _, kv := range resp.Kvs {
		id, err := parseSeriesPath(strings.TrimPrefix(string(kv.Key), op+"m/"))
		if err != nil {
			return nil, err
		}
		if !q.selects(id) {
			continue
		}
		m, err := decodeMeta(kv.Value)
		if err != nil {
			return nil, err
		}
		series := Series{SeriesID: id, Count: m.Count, Last: m.Last, Min: m.Min, Max: m.Max}
		if !q.SummaryOnly {
			if series.Points, err = s.readPoints(ctx, op, id, m, rev); err != nil {
				return nil, err
			}
			series.Points = sinceStep(sortByStep(series.Points), q.SinceStep)
		}
		out = append(out, series)
	}
	slices.SortFunc(out, func(a, b Series) int {
		if c := strings.Compare(a.Task, b.Task); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, nil
}

func (s *Etcd) readPoints(ctx context.Context, op string, id SeriesID, m *meta, rev int64) ([]Point, error) {
	points := make([]Point, 0, m.Count)
	if m.Next > m.First {
		chunks := s.chunkPrefix(op, id)
		resp, err := s.client.Get(ctx, chunkKey(chunks, m.First),
			clientv3.WithRange(chunkKey(chunks, m.Next)), clientv3.WithRev(rev))
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

// Delete implements MetricStore.
func (s *Etcd) Delete(ctx context.Context, owner Owner) error {
	if _, err := s.client.Delete(ctx, s.ownerPrefix(owner), clientv3.WithPrefix()); err != nil {
		return fmt.Errorf("delete metric series of %s/%s: %w", owner.Namespace, owner.Name, err)
	}
	return nil
}
