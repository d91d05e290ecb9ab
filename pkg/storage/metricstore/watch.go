package metricstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
)

// watchRetry is how long WatchAppends waits after etcd failed it.
const watchRetry = time.Second

// WatchAppends implements MetricStore. Every append, by any server on the
// same etcd, writes its owner's usage key: the watch follows those keys
// only, not the points. It calls fn first with every owner that has series
// (so a watcher that starts late misses nothing), and again, after a
// compaction or an etcd failure, when it lists them again.
func (s *Etcd) WatchAppends(ctx context.Context, fn func(Owner)) error {
	logger := klog.FromContext(ctx)
	prefix := s.UsagePrefix()
	for ctx.Err() == nil {
		list, err := s.client.Get(ctx, prefix, clientv3.WithPrefix(), clientv3.WithKeysOnly())
		if err != nil {
			logger.V(2).Info("Listing metric owners failed", "err", err)
			sleepCtx(ctx, watchRetry)
			continue
		}
		for _, kv := range list.Kvs {
			if o, err := s.parseUsageKey(string(kv.Key)); err == nil {
				fn(o)
			}
		}
		watch := s.client.Watch(clientv3.WithRequireLeader(ctx), prefix, clientv3.WithPrefix(),
			clientv3.WithRev(list.Header.Revision+1), clientv3.WithFilterDelete())
		for resp := range watch {
			if err := resp.Err(); err != nil {
				logger.V(2).Info("Watch of metric appends ended, listing again", "err", err)
				break
			}
			for _, ev := range resp.Events {
				if o, err := s.parseUsageKey(string(ev.Kv.Key)); err == nil {
					fn(o)
				}
			}
		}
		sleepCtx(ctx, watchRetry)
	}
	return ctx.Err()
}

// parseUsageKey is the owner of a usage key (usageKey).
func (s *Etcd) parseUsageKey(key string) (Owner, error) {
	rest, ok := strings.CutPrefix(key, s.UsagePrefix())
	parts := strings.Split(rest, "/")
	if !ok || len(parts) != 4 || parts[0] == "" || parts[2] == "" {
		return Owner{}, fmt.Errorf("not a metrics usage key: %q", key)
	}
	return Owner{Resource: parts[0], Namespace: parts[1], Name: parts[2], UID: types.UID(parts[3])}, nil
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
