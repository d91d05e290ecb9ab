package taskstore

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"

	"k8s.io/apimachinery/pkg/types"
)

// DefaultPrefix is the etcd keyspace of instances: beside, never under,
// the object prefix /registry/ml.example.io and the logs and metrics
// keyspaces.
const DefaultPrefix = "/ml.example.io-tasks"

// maxOpsPerTxn stays under etcd's default --max-txn-ops of 128.
const maxOpsPerTxn = 100

// pageBatch is how many keys a filtered list reads from etcd at a time.
const pageBatch = 500

// Etcd is the etcd-backed Store. Keys:
//
//	<prefix>/<namespace>/<run-uid>/<task>/<index, 8 digits>
//
// and each value is the instance's phase, a newline, and its data.
type Etcd struct {
	client *clientv3.Client
	prefix string
}

var _ Store = &Etcd{}

// NewEtcd returns the Store of client under prefix (DefaultPrefix when
// empty).
func NewEtcd(client *clientv3.Client, prefix string) *Etcd {
	prefix = strings.TrimSuffix(prefix, "/")
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return &Etcd{client: client, prefix: prefix}
}

// ownerPrefix ends with a slash so that one UID never matches another.
func (s *Etcd) ownerPrefix(namespace string, uid types.UID) string {
	return fmt.Sprintf("%s/%s/%s/", s.prefix, namespace, uid)
}

func (s *Etcd) key(o Owner, task string, index int32) string {
	return fmt.Sprintf("%s%s/%08d", s.ownerPrefix(o.Namespace, o.UID), task, index)
}

// Put writes instances in transactions of at most maxOpsPerTxn keys.
func (s *Etcd) Put(ctx context.Context, owner Owner, instances []Instance) error {
	for start := 0; start < len(instances); start += maxOpsPerTxn {
		end := min(start+maxOpsPerTxn, len(instances))
		ops := make([]clientv3.Op, 0, end-start)
		for _, in := range instances[start:end] {
			if in.Task == "" || strings.Contains(in.Task, "/") || in.Index < 0 || strings.Contains(in.Phase, "\n") {
				return fmt.Errorf("invalid instance %q/%d", in.Task, in.Index)
			}
			ops = append(ops, clientv3.OpPut(s.key(owner, in.Task, in.Index), in.Phase+"\n"+string(in.Data)))
		}
		if _, err := s.client.Txn(ctx).Then(ops...).Commit(); err != nil {
			return fmt.Errorf("write %d task instances: %w", len(ops), err)
		}
	}
	return nil
}

// List reads a page from the key after the continue token on, filtering
// by phase as it goes.
func (s *Etcd) List(ctx context.Context, owner Owner, opts ListOptions) ([]Instance, string, error) {
	prefix := s.ownerPrefix(owner.Namespace, owner.UID)
	if opts.Task != "" {
		prefix += opts.Task + "/"
	}
	end := clientv3.GetPrefixRangeEnd(prefix)
	from := prefix
	if opts.Continue != "" {
		raw, err := base64.RawURLEncoding.DecodeString(opts.Continue)
		if err != nil || !strings.HasPrefix(string(raw), prefix) {
			return nil, "", ErrBadContinue
		}
		// Start right after the last key of the previous page.
		from = string(raw) + "\x00"
	}
	var out []Instance
	for {
		batch := int64(pageBatch)
		if opts.Limit > 0 && opts.Phase == "" {
			batch = opts.Limit - int64(len(out)) + 1
		}
		resp, err := s.client.Get(ctx, from, clientv3.WithRange(end), clientv3.WithLimit(batch), clientv3.WithSort(clientv3.SortByKey, clientv3.SortAscend))
		if err != nil {
			return nil, "", fmt.Errorf("read task instances: %w", err)
		}
		for _, kv := range resp.Kvs {
			if opts.Limit > 0 && int64(len(out)) == opts.Limit {
				// More keys follow: the page ends here.
				last := s.keyOf(owner, out[len(out)-1])
				return out, base64.RawURLEncoding.EncodeToString([]byte(last)), nil
			}
			in, err := s.decode(owner, kv.Key, kv.Value)
			if err != nil {
				return nil, "", err
			}
			if opts.Phase != "" && in.Phase != opts.Phase {
				continue
			}
			out = append(out, in)
		}
		if !resp.More || len(resp.Kvs) == 0 {
			return out, "", nil
		}
		from = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
}

func (s *Etcd) keyOf(o Owner, in Instance) string { return s.key(o, in.Task, in.Index) }

// decode reads one key and value.
func (s *Etcd) decode(o Owner, key, value []byte) (Instance, error) {
	rest := strings.TrimPrefix(string(key), s.ownerPrefix(o.Namespace, o.UID))
	task, idx, ok := strings.Cut(rest, "/")
	index, err := strconv.ParseInt(idx, 10, 32)
	if !ok || err != nil {
		return Instance{}, fmt.Errorf("corrupt task instance key %q", key)
	}
	phase, data, ok := bytes.Cut(value, []byte("\n"))
	if !ok {
		return Instance{}, fmt.Errorf("corrupt task instance %q", key)
	}
	return Instance{Task: task, Index: int32(index), Phase: string(phase), Data: data}, nil
}

// Count counts owner's keys.
func (s *Etcd) Count(ctx context.Context, owner Owner) (int64, error) {
	resp, err := s.client.Get(ctx, s.ownerPrefix(owner.Namespace, owner.UID), clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		return 0, fmt.Errorf("count task instances: %w", err)
	}
	return resp.Count, nil
}

// DeleteOwner deletes owner's keys in one range deletion.
func (s *Etcd) DeleteOwner(ctx context.Context, namespace string, uid types.UID) error {
	if _, err := s.client.Delete(ctx, s.ownerPrefix(namespace, uid), clientv3.WithPrefix()); err != nil {
		return fmt.Errorf("delete the task instances of %s/%s: %w", namespace, uid, err)
	}
	return nil
}
