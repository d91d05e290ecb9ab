package logstore

import (
	"context"
	"fmt"
	"path"

	"k8s.io/apimachinery/pkg/types"

	"ml.example.io/ml-apiserver/pkg/storage/budget"
)

const (
	// DefaultMaxBytesPerOwner caps the archive of one object: 25 container
	// logs at DefaultMaxBytes, uncompressed.
	DefaultMaxBytesPerOwner = 256 << 20
	// maxAttempts bounds the retries of a usage update that raced another
	// archive of the same owner.
	maxAttempts = 20
)

// BytesCapError refuses a log that would take the owner's archive past its
// cap.
type BytesCapError struct {
	Cap, Used, Adding int64
}

func (e *BytesCapError) Error() string {
	return fmt.Sprintf("the object's archived logs use %d bytes of the %d allowed per object, %d more refused",
		e.Used, e.Cap, e.Adding)
}

// UsagePrefix is the prefix of the store's usage keys, for the budget.
func (e *Etcd) UsagePrefix() string {
	return e.prefix + "/" + budget.UsageSegment + "/"
}

func (e *Etcd) usageKey(namespace string, owner types.UID) string {
	return e.UsagePrefix() + path.Join(namespace, string(owner))
}

// usage reads the usage key of an owner and its modification revision (0
// when there is none).
func (e *Etcd) usage(ctx context.Context, key string) (budget.Usage, int64, error) {
	resp, err := e.client.Get(ctx, key)
	if err != nil {
		return budget.Usage{}, 0, fmt.Errorf("read archive usage: %w", err)
	}
	if len(resp.Kvs) == 0 {
		return budget.Usage{}, 0, nil
	}
	u, err := budget.DecodeUsage(resp.Kvs[0].Value)
	return u, resp.Kvs[0].ModRevision, err
}
