package budget

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2"
)

const (
	// DefaultMaxBytes is the default budget: half of etcd's default space
	// quota of 2 GiB, leaving the other half to the objects.
	DefaultMaxBytes = 1 << 30
	// FlagName is the server flag that sets the budget, named in refusals.
	FlagName = "ml-data-max-bytes"
	// RecountPeriod is how often the usage keys are added up again.
	RecountPeriod = time.Minute
	// UsageSegment is the path segment, right under a store's prefix, of
	// its usage keys. It is not a valid namespace or resource name, so it
	// never clashes with data keys.
	UsageSegment = "_usage"
)

// Usage is the value of a usage key.
type Usage struct {
	// Bytes are the bytes of the keys and values the owner holds.
	Bytes int64 `json:"bytes"`
	// Series is the number of metric series of the owner (metrics only).
	Series int64 `json:"series,omitempty"`
}

// DecodeUsage reads a usage value; an empty value is no usage.
func DecodeUsage(raw []byte) (Usage, error) {
	var u Usage
	if len(raw) == 0 {
		return u, nil
	}
	if err := json.Unmarshal(raw, &u); err != nil {
		return u, fmt.Errorf("corrupt usage key: %w", err)
	}
	return u, nil
}

// Encode returns the value of a usage key.
func (u Usage) Encode() string {
	raw, _ := json.Marshal(u)
	return string(raw)
}

// ExceededError is returned when a write would take the keyspaces past the
// budget.
type ExceededError struct {
	Limit, Used, Adding int64
}

func (e *ExceededError) Error() string {
	return fmt.Sprintf("the store of logs and metric points is full: %d bytes used of its budget of %d (--%s), %d more refused; "+
		"delete finished objects to free their share", e.Used, e.Limit, FlagName, e.Adding)
}

// Budget is the byte budget shared by the log and metric stores. A nil
// Budget allows everything.
type Budget struct {
	client   *clientv3.Client
	limit    int64
	prefixes []string
	used     atomic.Int64

	// mu makes the check and the addition of a reservation one step.
	mu sync.Mutex
}

// New returns a budget of limit bytes on client. It counts nothing until
// Recount or Run.
func New(client *clientv3.Client, limit int64) *Budget {
	return &Budget{client: client, limit: limit}
}

// Count adds the usage keys under prefix (a store's UsagePrefix) to what
// Recount adds up. Call it before Recount and Run.
func (b *Budget) Count(prefix string) {
	if b != nil {
		b.prefixes = append(b.prefixes, prefix)
	}
}

// Limit is the budget in bytes.
func (b *Budget) Limit() int64 {
	if b == nil {
		return 0
	}
	return b.limit
}

// Used is the number of bytes counted.
func (b *Budget) Used() int64 {
	if b == nil {
		return 0
	}
	return b.used.Load()
}

// Reserve counts delta bytes about to be written; a positive delta that
// would go past the budget is refused with an *ExceededError. A write that
// then fails gives its bytes back with Release. Negative deltas (a write
// that frees more than it adds) are always accepted.
func (b *Budget) Reserve(delta int64) error {
	if b == nil || delta == 0 {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	used := b.used.Load()
	if delta > 0 && used+delta > b.limit {
		return &ExceededError{Limit: b.limit, Used: used, Adding: delta}
	}
	b.used.Add(delta)
	return nil
}

// Release undoes a Reserve of delta whose write failed, or counts bytes
// freed by a deletion.
func (b *Budget) Release(delta int64) {
	if b == nil || delta == 0 {
		return
	}
	b.used.Add(-delta)
}

// Recount adds up the usage keys. Writes of this server that ran during the
// scan may be counted twice or not at all until the next recount.
func (b *Budget) Recount(ctx context.Context) error {
	if b == nil {
		return nil
	}
	var total int64
	for _, prefix := range b.prefixes {
		n, err := b.sum(ctx, prefix)
		if err != nil {
			return err
		}
		total += n
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used.Store(total)
	return nil
}

// sum adds up the usage keys under prefix, a page at a time.
func (b *Budget) sum(ctx context.Context, prefix string) (int64, error) {
	var total int64
	end := clientv3.GetPrefixRangeEnd(prefix)
	key := prefix
	for {
		resp, err := b.client.Get(ctx, key, clientv3.WithRange(end), clientv3.WithLimit(1000))
		if err != nil {
			return 0, fmt.Errorf("count the usage of %s: %w", prefix, err)
		}
		for _, kv := range resp.Kvs {
			u, err := DecodeUsage(kv.Value)
			if err != nil {
				klog.Background().Error(err, "Skipping a usage key", "key", string(kv.Key))
				continue
			}
			total += u.Bytes
		}
		if !resp.More || len(resp.Kvs) == 0 {
			return total, nil
		}
		key = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
}

// Run counts at once and then every period until ctx is done.
func (b *Budget) Run(ctx context.Context, period time.Duration) {
	if b == nil {
		return
	}
	logger := klog.FromContext(ctx)
	wait.UntilWithContext(ctx, func(ctx context.Context) {
		if err := b.Recount(ctx); err != nil {
			logger.Error(err, "Cannot count the bytes of logs and metric points")
			return
		}
		logger.V(4).Info("Counted the bytes of logs and metric points", "used", b.Used(), "limit", b.limit)
	}, period)
}
