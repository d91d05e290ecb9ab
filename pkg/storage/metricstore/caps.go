package metricstore

import (
	"context"
	"fmt"
	"path"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"

	"ml.example.io/ml-apiserver/pkg/storage/budget"
)

const (
	// DefaultMaxSeriesPerObject bounds the series of one object.
	DefaultMaxSeriesPerObject = 1000
	// DefaultMaxBytesPerObject bounds the bytes one object's series take
	// in etcd: about five series at DefaultMaxPointsPerSeries.
	DefaultMaxBytesPerObject = 64 << 20
)

// SeriesCapError refuses an append that would create series past the
// owner's cap. It can never succeed as it is: only points of existing
// series can still be added.
type SeriesCapError struct {
	// Cap is the number of series an object may have, Have how many it has.
	Cap, Have int64
	// New are the series the append would have created.
	New []SeriesID
}

func (e *SeriesCapError) Error() string {
	names := make([]string, 0, min(len(e.New), 5))
	for _, id := range e.New[:min(len(e.New), 5)] {
		names = append(names, id.String())
	}
	more := ""
	if len(e.New) > len(names) {
		more = fmt.Sprintf(" and %d more", len(e.New)-len(names))
	}
	return fmt.Sprintf("the object has %d metric series, at most %d are allowed: new series %s%s refused",
		e.Have, e.Cap, strings.Join(names, ", "), more)
}

// BytesCapError refuses an append that would take the owner's series past
// its byte cap.
type BytesCapError struct {
	Cap, Used, Adding int64
}

func (e *BytesCapError) Error() string {
	return fmt.Sprintf("the object's metric series use %d bytes of the %d allowed per object, %d more refused",
		e.Used, e.Cap, e.Adding)
}

// String is the series as <task>/<name>, or its name without a task.
func (id SeriesID) String() string {
	if id.Task == "" {
		return id.Name
	}
	return id.Task + "/" + id.Name
}

// UsagePrefix is the prefix of the store's usage keys, for the budget.
func (s *Etcd) UsagePrefix() string {
	return s.prefix + "/" + budget.UsageSegment + "/"
}

// usageKey is the usage key of owner; without a UID, the prefix of the
// usage keys of every object of owner's name.
func (s *Etcd) usageKey(o Owner) string {
	p := s.UsagePrefix() + path.Join(o.Resource, o.Namespace, o.Name) + "/"
	return p + string(o.UID)
}

func kvBytes(key string, value []byte) int64 {
	return int64(len(key) + len(value))
}

// chunkBytes is the size of the chunks [from, to) of a series at rev.
func (s *Etcd) chunkBytes(ctx context.Context, chunks string, from, to, rev int64) (int64, error) {
	resp, err := s.client.Get(ctx, chunkKey(chunks, from), clientv3.WithRange(chunkKey(chunks, to)), clientv3.WithRev(rev))
	if err != nil {
		return 0, fmt.Errorf("read metric chunks to drop: %w", err)
	}
	var n int64
	for _, kv := range resp.Kvs {
		n += kvBytes(string(kv.Key), kv.Value)
	}
	return n, nil
}
