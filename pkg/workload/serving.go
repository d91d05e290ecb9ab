package workload

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Serving runs the long-lived children of serving objects (Models and
// Notebooks): sets of identical replicas that the runtime keeps at a count,
// and volumes that outlive their replicas. In the Kubernetes runtime a set
// is a Deployment (or a StatefulSet when it is Stable) and a volume a
// PersistentVolumeClaim; a host-process runtime keeps the same number of
// processes running and a directory per volume.
//
// Reads (List*) come from the same cache as Runtime's, and changes of sets
// and volumes are reported to the handlers of Runtime.AddOwnerHandler.
type Serving interface {
	// EnsureServedSet creates the set spec.Name of owner, or updates its
	// replica count, labels and template when they differ from spec. A set
	// of that name that owner does not control is an error wrapping
	// ErrNotOwned.
	EnsureServedSet(ctx context.Context, owner Owner, spec ServedSetSpec) (SetChange, error)
	// DeleteServedSet deletes the set name of owner and its replicas, if
	// it is still the one with the given UID; one that is gone is not an
	// error.
	DeleteServedSet(ctx context.Context, owner Owner, name, uid string) error
	// ListServedSets returns the sets owner controls, from the cache,
	// sorted by name.
	ListServedSets(owner Owner) ([]ServedSetStatus, error)
	// EnsureVolume creates the volume spec.Name of owner unless it exists,
	// and reports whether it created it. An existing volume is never
	// changed (nor resized). A volume of that name that owner does not
	// control is an error wrapping ErrNotOwned.
	EnsureVolume(ctx context.Context, owner Owner, spec VolumeSpec) (created bool, err error)
	// ListVolumes returns the volumes owner controls, from the cache,
	// sorted by name.
	ListVolumes(owner Owner) ([]VolumeStatus, error)
}

// ServingRuntime is a runtime of both one-off replicas and serving sets:
// what the bundled controllers are given.
type ServingRuntime interface {
	Runtime
	Serving
}

// SetChange is what EnsureServedSet did.
type SetChange string

// The changes EnsureServedSet makes.
const (
	SetUnchanged SetChange = ""
	SetCreated   SetChange = "Created"
	SetUpdated   SetChange = "Updated"
)

// ServedSetSpec is a set of identical replicas kept running at Replicas.
type ServedSetSpec struct {
	// Name of the set, unique among the owner's sets and in the namespace.
	Name string
	// Labels of the set; the runtime adds the owner's labels.
	Labels map[string]string
	// Selector selects the set's replicas among the namespace's: the
	// template's labels must contain it, and the selectors of two sets of
	// an owner must not overlap. It cannot change once the set exists.
	Selector map[string]string
	// Replicas is the number of replicas to keep running.
	Replicas int32
	// Template is what every replica runs. The runtime adds the owner's
	// labels to it.
	Template corev1.PodTemplateSpec
	// Stable sets give their replicas stable names, <name>-<ordinal>, that
	// a replica keeps when it is replaced: one replica at a time is
	// started or stopped, in order (a StatefulSet). Others replace
	// replicas freely and roll out template changes gradually (a
	// Deployment). It cannot change once the set exists.
	Stable bool
	// ServiceName is the service of a Stable set's replicas.
	ServiceName string
}

// ServedSetStatus is what a runtime observed of one set.
type ServedSetStatus struct {
	// Name and UID of the set.
	Name, UID string
	// Labels of the set (shared with the cache: read only).
	Labels map[string]string
	// Replicas is the replica count the set was asked for.
	Replicas int32
	// Observed is true once the set's status describes its current spec.
	Observed bool
	// CurrentReplicas, ReadyReplicas, AvailableReplicas and
	// UpdatedReplicas count the replicas that exist, pass their readiness
	// checks, have been ready long enough, and run the current template.
	CurrentReplicas, ReadyReplicas, AvailableReplicas, UpdatedReplicas int32
	// Available is true while enough replicas are available to serve: for
	// a Deployment its Available condition, for a stable set all of them.
	Available bool
	// Failed is true when the set cannot make progress (a rollout past its
	// deadline, replicas that cannot be created); Reason and Message say
	// why.
	Failed          bool
	Reason, Message string
}

// VolumeSpec is a persistent volume of an owner, mounted by its replicas.
type VolumeSpec struct {
	// Name of the volume, unique in the namespace.
	Name string
	// Labels of the volume; the runtime adds the owner's labels.
	Labels map[string]string
	// Size requested.
	Size resource.Quantity
	// StorageClassName is the class of storage; nil uses the default.
	StorageClassName *string
}

// VolumePhase is the lifecycle phase of a volume, as those of a
// PersistentVolumeClaim.
type VolumePhase string

// The phases of a volume.
const (
	VolumePending VolumePhase = "Pending"
	VolumeBound   VolumePhase = "Bound"
	VolumeLost    VolumePhase = "Lost"
)

// VolumeStatus is what a runtime observed of one volume.
type VolumeStatus struct {
	// Name and UID of the volume.
	Name, UID string
	// Phase is Pending, Bound or Lost.
	Phase VolumePhase
	// Terminating is true once its deletion was requested.
	Terminating bool
}
