package logstest

import (
	"bytes"
	"context"
	"io"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"ml.example.io/ml-apiserver/pkg/storage/logstore"
)

// Archive is a logstore.LogStore in memory. Its zero value is empty and
// ready.
type Archive struct {
	mu   sync.Mutex
	logs map[logstore.Stream]archived
}

type archived struct {
	meta logstore.Meta
	data []byte
}

var _ logstore.LogStore = &Archive{}

// Put stores the whole of r.
func (a *Archive) Put(_ context.Context, meta logstore.Meta, r io.Reader) (logstore.Meta, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return logstore.Meta{}, err
	}
	meta.Bytes, meta.StoredBytes = int64(len(data)), int64(len(data))
	meta.ArchivedAt = time.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.logs == nil {
		a.logs = map[logstore.Stream]archived{}
	}
	a.logs[meta.Stream] = archived{meta: meta, data: data}
	return meta, nil
}

// List returns the archived logs of owner.
func (a *Archive) List(_ context.Context, namespace string, owner types.UID) ([]logstore.Meta, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []logstore.Meta
	for s, l := range a.logs {
		if s.Namespace == namespace && s.OwnerUID == owner {
			out = append(out, l.meta)
		}
	}
	return out, nil
}

// Open reads an archived log.
func (a *Archive) Open(_ context.Context, s logstore.Stream) (io.ReadCloser, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	l, ok := a.logs[s]
	if !ok {
		return nil, logstore.ErrNotFound
	}
	return io.NopCloser(bytes.NewReader(l.data)), nil
}

// DeleteOwner removes the archived logs of owner.
func (a *Archive) DeleteOwner(_ context.Context, namespace string, owner types.UID) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for s := range a.logs {
		if s.Namespace == namespace && s.OwnerUID == owner {
			delete(a.logs, s)
		}
	}
	return nil
}

// Owners lists the owners with archived logs.
func (a *Archive) Owners(context.Context) ([]logstore.Owner, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	seen := map[types.UID]bool{}
	var out []logstore.Owner
	for s, l := range a.logs {
		if !seen[s.OwnerUID] {
			seen[s.OwnerUID] = true
			out = append(out, logstore.Owner{Namespace: s.Namespace, UID: s.OwnerUID, Resource: l.meta.OwnerResource, Name: l.meta.OwnerName})
		}
	}
	return out, nil
}
