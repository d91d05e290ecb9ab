package logstore

import (
	"context"
	"errors"
	"io"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// DefaultMaxBytes is the default cap of one archived log.
const DefaultMaxBytes = 10 << 20

// ErrNotFound is returned when an archived log does not exist.
var ErrNotFound = errors.New("archived log not found")

// Stream identifies one archived log: a container's log in a pod of an
// owner object.
type Stream struct {
	// Namespace and OwnerUID identify the owning object.
	Namespace string    `json:"namespace"`
	OwnerUID  types.UID `json:"ownerUID"`
	// Pod and Container name the log.
	Pod       string `json:"pod"`
	Container string `json:"container"`
	// Previous is the log of the container's previous run.
	Previous bool `json:"previous,omitempty"`
}

// Meta describes an archived log.
type Meta struct {
	Stream `json:",inline"`
	// OwnerResource and OwnerName name the owning object, so that a
	// sweep can find archives whose owner is gone.
	OwnerResource string `json:"ownerResource"`
	OwnerName     string `json:"ownerName"`
	// PodUID is the UID of the pod the log was read from.
	PodUID types.UID `json:"podUID,omitempty"`
	// Label is the prefix of the log's lines when several logs are
	// merged: replica-0, a task name.
	Label string `json:"label,omitempty"`
	// ContainerIndex is the container's position in the pod: the log
	// shown when no container is asked for is the lowest.
	ContainerIndex int `json:"containerIndex,omitempty"`
	// Bytes is the size of the log given to Put; StoredBytes what was
	// kept of its end.
	Bytes       int64 `json:"bytes"`
	StoredBytes int64 `json:"storedBytes"`
	// EtcdBytes is what the archived log takes in etcd: its keys and
	// values, compressed; it counts against the owner's cap and the budget.
	EtcdBytes int64 `json:"etcdBytes,omitempty"`
	// Chunks and Generation locate the stored data.
	Chunks     int    `json:"chunks"`
	Generation string `json:"generation"`
	// ArchivedAt is when the log was stored.
	ArchivedAt time.Time `json:"archivedAt"`
}

// Owner is an object that has archived logs.
type Owner struct {
	Namespace string
	UID       types.UID
	Resource  string
	Name      string
}

// LogStore keeps archived logs.
type LogStore interface {
	// Put stores the log read from r (to its end) under meta.Stream,
	// replacing what was stored there. Only the tail of the log is kept
	// when it is longer than the store's cap, starting at a line. It
	// returns the stored metadata.
	Put(ctx context.Context, meta Meta, r io.Reader) (Meta, error)
	// List returns the archived logs of an owner.
	List(ctx context.Context, namespace string, owner types.UID) ([]Meta, error)
	// Open reads an archived log; ErrNotFound when there is none.
	Open(ctx context.Context, s Stream) (io.ReadCloser, error)
	// DeleteOwner removes every archived log of an owner.
	DeleteOwner(ctx context.Context, namespace string, owner types.UID) error
	// Owners lists the objects that have archived logs.
	Owners(ctx context.Context) ([]Owner, error)
}
