package workload

import (
	"context"
	"errors"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
)

// Runtime creates, lists and deletes the children of an owner object. Reads
// (ListReplicas) come from a cache that HasSynced reports on; writes go to
// the backing system and show up in the cache later, and every change of a
// child is reported to the handlers added with AddOwnerHandler.
type Runtime interface {
	// EnsureReplica starts the replica spec.Name of owner unless it exists.
	// It reports whether it created it. A replica of that name that owner
	// does not control is an error wrapping ErrNotOwned.
	EnsureReplica(ctx context.Context, owner Owner, spec ReplicaSpec) (created bool, err error)
	// DeleteReplica stops and removes the replica name of owner, if it is
	// still the one with the given UID. A replica that is already gone (or
	// was replaced) is not an error.
	DeleteReplica(ctx context.Context, owner Owner, name string, uid string) error
	// ListReplicas returns the replicas owner controls, from the cache.
	ListReplicas(owner Owner) ([]ReplicaStatus, error)
	// EnsureService makes the service spec.Name of owner unless it exists,
	// and reports whether it created it. A service of that name that owner
	// does not control is an error wrapping ErrNotOwned.
	EnsureService(ctx context.Context, owner Owner, spec ServiceSpec) (created bool, err error)
	// AddOwnerHandler calls handler with the namespace and name of the
	// owner of kind whenever one of its children changes.
	AddOwnerHandler(kind schema.GroupKind, handler func(cache.ObjectName)) error
	// HasSynced reports whether the runtime's cache has been filled.
	HasSynced() bool
}

// ErrNotOwned is wrapped by errors about a child name that exists but is
// controlled by another object (or none).
var ErrNotOwned = errors.New("exists and is not controlled by its owner")

// ReplicaSpec is one replica to run: a pod in the Kubernetes runtime, a host
// process in the local one (which runs the first container's command, args
// and env, and ignores the image).
type ReplicaSpec struct {
	// Name identifies the replica among the owner's and in the namespace.
	Name string
	// Template is what the replica runs, with its labels and annotations.
	// The runtime adds the owner's labels and its management label.
	Template corev1.PodTemplateSpec
}

// ServiceSpec is a stable network name for an owner's replicas.
type ServiceSpec struct {
	// Name of the service, which is also the DNS subdomain of the replicas
	// whose template sets it.
	Name string
	// Labels of the service; the runtime adds the owner's labels.
	Labels map[string]string
	// Selector selects the replicas behind the service.
	Selector map[string]string
	// Ports the replicas listen on.
	Ports []corev1.ServicePort
	// Headless services have no virtual IP: their name resolves to the
	// replicas' addresses and `<hostname>.<name>` to one replica, ready or
	// not, so that rendezvous works before a replica is ready.
	Headless bool
}

// Phase is the lifecycle phase of a replica.
type Phase string

// The phases of a replica, as those of a pod.
const (
	PhasePending   Phase = "Pending"
	PhaseRunning   Phase = "Running"
	PhaseSucceeded Phase = "Succeeded"
	PhaseFailed    Phase = "Failed"
	PhaseUnknown   Phase = "Unknown"
)
