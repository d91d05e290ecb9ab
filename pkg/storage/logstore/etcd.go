package logstore

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"k8s.io/apimachinery/pkg/types"

	"ml.example.io/ml-apiserver/pkg/storage/budget"
)

// DefaultPrefix is the etcd keyspace of the archive: beside, never under,
// the object prefix /registry/ml.example.io.
const DefaultPrefix = "/ml.example.io-logs"

// ChunkBytes is the uncompressed size of a chunk. Compressed, a chunk is at
// most a little larger, far below etcd's 1.5 MiB request limit.
const ChunkBytes = 512 << 10

// EtcdConfig configures the etcd LogStore.
type EtcdConfig struct {
	// Client reaches etcd; the store does not close it.
	Client *clientv3.Client
	// Prefix is the keyspace (DefaultPrefix when empty).
	Prefix string
	// MaxBytes caps each archived log (DefaultMaxBytes when 0).
	MaxBytes int64
	// MaxBytesPerOwner caps the archive of one object, in bytes stored in
	// etcd (DefaultMaxBytesPerOwner when 0).
	MaxBytesPerOwner int64
	// Budget bounds the bytes of logs and metrics together; nil for none.
	Budget *budget.Budget
}

// Etcd is the etcd-backed LogStore. Keys:
//
//	<prefix>/<namespace>/<owner-uid>/<pod>/<container>[~previous]/meta
//	<prefix>/<namespace>/<owner-uid>/<pod>/<container>[~previous]/data/<generation>/<index>
//
// A Put writes a new generation of chunks, then switches the meta to it,
// then deletes the older generation, so readers never see a half-written
// log.
type Etcd struct {
	client        *clientv3.Client
	prefix        string
	maxBytes      int64
	maxOwnerBytes int64
	budget        *budget.Budget
	now           func() time.Time
}

var _ LogStore = &Etcd{}

// NewEtcd returns the etcd LogStore of c.
func NewEtcd(c EtcdConfig) *Etcd {
	prefix := strings.TrimSuffix(c.Prefix, "/")
	if prefix == "" {
		prefix = DefaultPrefix
	}
	maxBytes := c.MaxBytes
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	maxOwnerBytes := c.MaxBytesPerOwner
	if maxOwnerBytes <= 0 {
		maxOwnerBytes = DefaultMaxBytesPerOwner
	}
	return &Etcd{client: c.Client, prefix: prefix, maxBytes: maxBytes, maxOwnerBytes: maxOwnerBytes, budget: c.Budget, now: time.Now}
}

// MaxBytes is the cap of each archived log.
func (e *Etcd) MaxBytes() int64 { return e.maxBytes }

func (e *Etcd) ownerKey(namespace string, owner types.UID) string {
	return path.Join(e.prefix, namespace, string(owner)) + "/"
}

func (e *Etcd) streamKey(s Stream) string {
	c := s.Container
	if s.Previous {
		c += "~previous"
	}
	return path.Join(e.prefix, s.Namespace, string(s.OwnerUID), s.Pod, c)
}

func chunkKey(stream, generation string, i int) string {
	return fmt.Sprintf("%s/data/%s/%06d", stream, generation, i)
}

func validStream(s Stream) error {
	for name, v := range map[string]string{"namespace": s.Namespace, "owner UID": string(s.OwnerUID), "pod": s.Pod, "container": s.Container} {
		if v == "" || strings.ContainsAny(v, "/~") {
			return fmt.Errorf("archived log: invalid %s %q", name, v)
		}
	}
	return nil
}

// Put stores the tail of r under meta.Stream. The bytes it adds count
// against the owner's cap and the budget: a log that would go past either
// is refused (*BytesCapError, *budget.ExceededError) and nothing changes.
func (e *Etcd) Put(ctx context.Context, meta Meta, r io.Reader) (Meta, error) {
	if err := validStream(meta.Stream); err != nil {
		return Meta{}, err
	}
	data, total, err := readTail(r, e.maxBytes)
	if err != nil {
		return Meta{}, fmt.Errorf("read log of %s/%s: %w", meta.Pod, meta.Container, err)
	}
	key := e.streamKey(meta.Stream)
	old, err := e.getMeta(ctx, key)
	if err != nil && err != ErrNotFound {
		return Meta{}, err
	}
	meta.Generation = strconv.FormatInt(e.now().UnixNano(), 36)
	meta.Bytes, meta.StoredBytes = total, int64(len(data))
	meta.ArchivedAt = e.now().UTC()
	var chunks [][]byte
	var size int64
	for off := 0; off < len(data); off += ChunkBytes {
		compressed, err := compress(data[off:min(off+ChunkBytes, len(data))])
		if err != nil {
			return Meta{}, err
		}
		size += int64(len(chunkKey(key, meta.Generation, len(chunks))) + len(compressed))
		chunks = append(chunks, compressed)
	}
	data = nil
	meta.Chunks = len(chunks)
	meta.EtcdBytes = size
	raw, err := json.Marshal(meta)
	if err != nil {
		return Meta{}, err
	}
	meta.EtcdBytes += int64(len(key+"/meta") + len(raw))
	if raw, err = json.Marshal(meta); err != nil {
		return Meta{}, err
	}
	var oldBytes int64
	if old != nil && old.Generation != meta.Generation {
		oldBytes = old.EtcdBytes
	}
	delta := meta.EtcdBytes - oldBytes

	usageKey := e.usageKey(meta.Namespace, meta.OwnerUID)
	usage, _, err := e.usage(ctx, usageKey)
	if err != nil {
		return Meta{}, err
	}
	if delta > 0 && usage.Bytes+delta > e.maxOwnerBytes {
		return Meta{}, &BytesCapError{Cap: e.maxOwnerBytes, Used: usage.Bytes, Adding: delta}
	}
	if err := e.budget.Reserve(delta); err != nil {
		return Meta{}, err
	}
	fail := func(err error) (Meta, error) {
		e.budget.Release(delta)
		// Best effort: chunks of a generation no meta names are garbage.
		_, _ = e.client.Delete(context.WithoutCancel(ctx), key+"/data/"+meta.Generation+"/", clientv3.WithPrefix())
		return Meta{}, err
	}
	for i, c := range chunks {
		if _, err := e.client.Put(ctx, chunkKey(key, meta.Generation, i), string(c)); err != nil {
			return fail(fmt.Errorf("store log chunk: %w", err))
		}
	}
	// The meta, the usage and the deletion of the replaced generation are
	// one transaction, retried while other archives of the owner change
	// its usage.
	for range maxAttempts {
		usage, rev, err := e.usage(ctx, usageKey)
		if err != nil {
			return fail(err)
		}
		usage.Bytes = max(0, usage.Bytes+delta)
		ops := []clientv3.Op{clientv3.OpPut(key+"/meta", string(raw)), clientv3.OpPut(usageKey, usage.Encode())}
		if old != nil && old.Generation != meta.Generation {
			ops = append(ops, clientv3.OpDelete(key+"/data/"+old.Generation+"/", clientv3.WithPrefix()))
		}
		resp, err := e.client.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(usageKey), "=", rev)).Then(ops...).Commit()
		if err != nil {
			return fail(fmt.Errorf("store log metadata: %w", err))
		}
		if resp.Succeeded {
			return meta, nil
		}
	}
	return fail(fmt.Errorf("store log metadata: %d attempts conflicted with other writers", maxAttempts))
}

func (e *Etcd) getMeta(ctx context.Context, key string) (*Meta, error) {
	resp, err := e.client.Get(ctx, key+"/meta")
	if err != nil {
		return nil, fmt.Errorf("read log metadata: %w", err)
	}
	if len(resp.Kvs) == 0 {
		return nil, ErrNotFound
	}
	var m Meta
	if err := json.Unmarshal(resp.Kvs[0].Value, &m); err != nil {
		return nil, fmt.Errorf("decode log metadata %s: %w", key, err)
	}
	return &m, nil
}

// List returns the archived logs of an owner, by label, pod and container.
func (e *Etcd) List(ctx context.Context, namespace string, owner types.UID) ([]Meta, error) {
	resp, err := e.client.Get(ctx, e.ownerKey(namespace, owner), clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		return nil, fmt.Errorf("list archived logs: %w", err)
	}
	var out []Meta
	for _, kv := range resp.Kvs {
		k := string(kv.Key)
		if !strings.HasSuffix(k, "/meta") {
			continue
		}
		m, err := e.getMeta(ctx, strings.TrimSuffix(k, "/meta"))
		if err == ErrNotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *m)
	}
	slices.SortFunc(out, func(a, b Meta) int {
		return strings.Compare(a.Label+"/"+a.Pod+"/"+a.Container, b.Label+"/"+b.Pod+"/"+b.Container)
	})
	return out, nil
}

// Open reads an archived log chunk by chunk.
func (e *Etcd) Open(ctx context.Context, s Stream) (io.ReadCloser, error) {
	if err := validStream(s); err != nil {
		return nil, err
	}
	key := e.streamKey(s)
	m, err := e.getMeta(ctx, key)
	if err != nil {
		return nil, err
	}
	return &chunkReader{ctx: ctx, client: e.client, key: key, meta: *m}, nil
}

// DeleteOwner removes every archived log of an owner, and gives its bytes
// back to the budget.
func (e *Etcd) DeleteOwner(ctx context.Context, namespace string, owner types.UID) error {
	if namespace == "" || owner == "" {
		return fmt.Errorf("delete archived logs: empty namespace or owner UID")
	}
	usageKey := e.usageKey(namespace, owner)
	resp, err := e.client.Txn(ctx).Then(
		clientv3.OpGet(usageKey),
		clientv3.OpDelete(usageKey),
		clientv3.OpDelete(e.ownerKey(namespace, owner), clientv3.WithPrefix()),
	).Commit()
	if err != nil {
		return fmt.Errorf("delete archived logs of %s/%s: %w", namespace, owner, err)
	}
	if kvs := resp.Responses[0].GetResponseRange().Kvs; len(kvs) > 0 {
		if u, err := budget.DecodeUsage(kvs[0].Value); err == nil {
			e.budget.Release(u.Bytes)
		}
	}
	return nil
}

// Owners lists the objects that have archived logs.
func (e *Etcd) Owners(ctx context.Context) ([]Owner, error) {
	resp, err := e.client.Get(ctx, e.prefix+"/", clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		return nil, fmt.Errorf("list archived logs: %w", err)
	}
	seen := map[string]bool{}
	var out []Owner
	for _, kv := range resp.Kvs {
		k := string(kv.Key)
		if !strings.HasSuffix(k, "/meta") {
			continue
		}
		parts := strings.Split(strings.TrimPrefix(k, e.prefix+"/"), "/")
		if len(parts) < 2 || seen[parts[0]+"/"+parts[1]] {
			continue
		}
		seen[parts[0]+"/"+parts[1]] = true
		m, err := e.getMeta(ctx, strings.TrimSuffix(k, "/meta"))
		if err != nil {
			continue
		}
		out = append(out, Owner{Namespace: m.Namespace, UID: m.OwnerUID, Resource: m.OwnerResource, Name: m.OwnerName})
	}
	return out, nil
}

func compress(p []byte) ([]byte, error) {
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(p); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// readAhead is how many chunks a reader fetches per etcd request.
const readAhead = 8

// chunkReader reads the chunks of one generation in order, readAhead at a
// time.
type chunkReader struct {
	ctx     context.Context
	client  *clientv3.Client
	key     string
	meta    Meta
	next    int
	fetched [][]byte
	cur     *gzip.Reader
	gz      *gzip.Reader
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for {
		if c.cur != nil {
			n, err := c.cur.Read(p)
			if err == io.EOF {
				c.cur = nil
				if n > 0 {
					return n, nil
				}
				continue
			}
			return n, err
		}
		if len(c.fetched) == 0 {
			if c.next >= c.meta.Chunks {
				return 0, io.EOF
			}
			if err := c.fetch(); err != nil {
				return 0, err
			}
		}
		if c.gz == nil {
			c.gz = new(gzip.Reader)
		}
		if err := c.gz.Reset(bytes.NewReader(c.fetched[0])); err != nil {
			return 0, fmt.Errorf("decompress log chunk: %w", err)
		}
		c.fetched = c.fetched[1:]
		c.cur = c.gz
	}
}

// fetch reads the next chunks.
func (c *chunkReader) fetch() error {
	end := min(c.next+readAhead, c.meta.Chunks)
	resp, err := c.client.Get(c.ctx, chunkKey(c.key, c.meta.Generation, c.next),
		clientv3.WithRange(chunkKey(c.key, c.meta.Generation, end)))
	if err != nil {
		return fmt.Errorf("read log chunks: %w", err)
	}
	if len(resp.Kvs) != end-c.next {
		// Replaced or deleted while being read.
		return fmt.Errorf("archived log %s/%s changed while being read", c.meta.Pod, c.meta.Container)
	}
	for _, kv := range resp.Kvs {
		c.fetched = append(c.fetched, kv.Value)
	}
	c.next = end
	return nil
}

func (c *chunkReader) Close() error { return nil }

// Size is the size of the log, for readers that read it whole.
func (c *chunkReader) Size() int64 { return c.meta.StoredBytes }
