package metricstore

import (
	"context"
	"fmt"
	"hash/fnv"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"k8s.io/apimachinery/pkg/util/wait"

	"ml.example.io/ml-apiserver/pkg/storage/budget"
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
	// conflictBackoff is the first wait after an append lost a race; it
	// doubles, with jitter, up to maxConflictBackoff, so that writers of one
	// object take turns instead of retrying in lockstep.
	conflictBackoff    = time.Millisecond
	maxConflictBackoff = 100 * time.Millisecond
)

// EtcdOptions configure the etcd store.
type EtcdOptions struct {
	// Prefix is the key prefix (DefaultPrefix when empty).
	Prefix string
	// MaxPointsPerSeries bounds each series (DefaultMaxPointsPerSeries when
	// 0). It is rounded up to whole chunks.
	MaxPointsPerSeries int64
	// MaxSeriesPerObject bounds the series of one object
	// (DefaultMaxSeriesPerObject when 0).
	MaxSeriesPerObject int64
	// MaxBytesPerObject bounds the bytes of one object's series
	// (DefaultMaxBytesPerObject when 0).
	MaxBytesPerObject int64
	// Budget bounds the bytes of logs and metrics together; nil for none.
	Budget *budget.Budget
}

// Etcd is the etcd-backed MetricStore.
type Etcd struct {
	client    *clientv3.Client
	prefix    string
	maxChunks int64
	maxSeries int64
	maxBytes  int64
	budget    *budget.Budget

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
	if o.MaxSeriesPerObject <= 0 {
		o.MaxSeriesPerObject = DefaultMaxSeriesPerObject
	}
	if o.MaxBytesPerObject <= 0 {
		o.MaxBytesPerObject = DefaultMaxBytesPerObject
	}
	return &Etcd{
		client:    client,
		prefix:    strings.TrimSuffix(o.Prefix, "/"),
		maxChunks: max(1, (o.MaxPointsPerSeries+ChunkPoints-1)/ChunkPoints),
		maxSeries: o.MaxSeriesPerObject,
		maxBytes:  o.MaxBytesPerObject,
		budget:    o.Budget,
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
// summaries and the owner's usage key it read, retried when another writer
// won. An append that would create series past the owner's cap, or add
// bytes past the owner's cap or the budget, stores nothing.
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
	usageKey := s.usageKey(owner)
	backoff := conflictBackoff
	for attempt := range maxAttempts {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return fmt.Errorf("append metric points: %w", ctx.Err())
			case <-time.After(wait.Jitter(backoff, 1)):
			}
			backoff = min(2*backoff, maxConflictBackoff)
		}
		delta, txn, err := s.appendTxn(ctx, op, usageKey, ids, points)
		if err != nil {
			return err
		}
		if err := s.budget.Reserve(delta); err != nil {
			return err
		}
		resp, err := txn.Commit()
		if err != nil {
			s.budget.Release(delta)
			return fmt.Errorf("append metric points: %w", err)
		}
		if resp.Succeeded {
			return nil
		}
		s.budget.Release(delta)
	}
	return fmt.Errorf("append metric points: %d attempts conflicted with other writers", maxAttempts)
}

// appendTxn reads the summaries of ids and the owner's usage, checks the
// owner's caps and returns the transaction that appends points, with the
// bytes it adds.
func (s *Etcd) appendTxn(ctx context.Context, op, usageKey string, ids []SeriesID, points map[SeriesID][]Point) (int64, clientv3.Txn, error) {
	gets := make([]clientv3.Op, 0, len(ids)+1)
	gets = append(gets, clientv3.OpGet(usageKey))
	for _, id := range ids {
		gets = append(gets, clientv3.OpGet(s.metaKey(op, id)))
	}
	read, err := s.client.Txn(ctx).Then(gets...).Commit()
	if err != nil {
		return 0, nil, fmt.Errorf("read metric series: %w", err)
	}
	var usage budget.Usage
	var usageRev int64
	if kvs := read.Responses[0].GetResponseRange().Kvs; len(kvs) > 0 {
		usageRev = kvs[0].ModRevision
		if usage, err = budget.DecodeUsage(kvs[0].Value); err != nil {
			return 0, nil, err
		}
	}
	var newSeries []SeriesID
	for i, id := range ids {
		if len(read.Responses[i+1].GetResponseRange().Kvs) == 0 {
			newSeries = append(newSeries, id)
		}
	}
	if len(newSeries) > 0 && usage.Series+int64(len(newSeries)) > s.maxSeries {
		return 0, nil, &SeriesCapError{Cap: s.maxSeries, Have: usage.Series, New: newSeries}
	}

	var delta int64
	cmps := []clientv3.Cmp{clientv3.Compare(clientv3.ModRevision(usageKey), "=", usageRev)}
	var ops []clientv3.Op
	for i, id := range ids {
		key := s.metaKey(op, id)
		m := &meta{}
		var rev int64
		if kvs := read.Responses[i+1].GetResponseRange().Kvs; len(kvs) > 0 {
			rev = kvs[0].ModRevision
			delta -= kvBytes(key, kvs[0].Value)
			if m, err = decodeMeta(kvs[0].Value); err != nil {
				return 0, nil, err
			}
		}
		cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(key), "=", rev))
		chunks := s.chunkPrefix(op, id)
		for _, p := range points[id] {
			m.add(p)
			if m.HeadCount == ChunkPoints {
				ck := chunkKey(chunks, m.Next)
				ops = append(ops, clientv3.OpPut(ck, string(m.head)))
				delta += kvBytes(ck, m.head)
				m.Next++
				m.head, m.HeadCount, m.Tail = nil, 0, Point{}
			}
		}
		if m.Next-m.First > s.maxChunks {
			drop := m.Next - m.First - s.maxChunks
			// The dropped chunks are stored ones (a series holds more
			// chunks than an append writes), read at the revision the
			// transaction compares against.
			dropped, err := s.chunkBytes(ctx, chunks, m.First, m.First+drop, read.Header.Revision)
			if err != nil {
				return 0, nil, err
			}
			delta -= dropped
			ops = append(ops, clientv3.OpDelete(chunkKey(chunks, m.First), clientv3.WithRange(chunkKey(chunks, m.First+drop))))
			m.First += drop
			m.Count -= drop * ChunkPoints
		}
		value, err := encodeMeta(m)
		if err != nil {
			return 0, nil, err
		}
		delta += kvBytes(key, value)
		ops = append(ops, clientv3.OpPut(key, string(value)))
	}
	if delta > 0 && usage.Bytes+delta > s.maxBytes {
		return 0, nil, &BytesCapError{Cap: s.maxBytes, Used: usage.Bytes, Adding: delta}
	}
	usage.Bytes = max(0, usage.Bytes+delta)
	usage.Series += int64(len(newSeries))
	ops = append(ops, clientv3.OpPut(usageKey, usage.Encode()))
	return delta, s.client.Txn(ctx).If(cmps...).Then(ops...), nil
}

// Delete implements MetricStore: the series and the usage keys go in one
// transaction, and the usage is given back to the budget.
func (s *Etcd) Delete(ctx context.Context, owner Owner) error {
	usage := s.usageKey(owner)
	resp, err := s.client.Txn(ctx).Then(
		clientv3.OpGet(usage, clientv3.WithPrefix()),
		clientv3.OpDelete(usage, clientv3.WithPrefix()),
		clientv3.OpDelete(s.ownerPrefix(owner), clientv3.WithPrefix()),
	).Commit()
	if err != nil {
		return fmt.Errorf("delete metric series of %s/%s: %w", owner.Namespace, owner.Name, err)
	}
	var freed int64
	for _, kv := range resp.Responses[0].GetResponseRange().Kvs {
		if u, err := budget.DecodeUsage(kv.Value); err == nil {
			freed += u.Bytes
		}
	}
	s.budget.Release(freed)
	return nil
}
