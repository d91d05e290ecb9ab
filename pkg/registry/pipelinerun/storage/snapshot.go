package storage

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// snapshotResource names the keyspace of the snapshots: beside, never
// under, the keyspace of the runs, so lists and watches of runs never see
// them.
const snapshotResource = "pipelinesnapshots"

// snapshotTimeout bounds the deletion of a deleted run's snapshot.
const snapshotTimeout = 30 * time.Second

// Snapshots stores the resolved pipeline of each run apart from the run,
// so that the run's status (what kubectl describe prints) keeps only the
// compact reference status.pipeline. Each snapshot is a Pipeline named
// after its run, with the run's UID, at
//
//	<prefix>/pipelinesnapshots/<namespace>/<run-uid>
//
// It is written once, when the run is created (or when an object stored
// by an earlier version, with status.pipelineSpec, is next written), and
// deleted with the run.
type Snapshots struct {
	storage storage.Interface
	prefix  string
	scheme  *runtime.Scheme
}

// newSnapshots returns the snapshot store in the etcd of optsGetter, and
// the function that releases it.
func newSnapshots(optsGetter generic.RESTOptionsGetter, scheme *runtime.Scheme) (*Snapshots, func(), error) {
	opts, err := optsGetter.GetRESTOptions(ml.Resource(snapshotResource), &ml.Pipeline{})
	if err != nil {
		return nil, nil, fmt.Errorf("get the storage options of %s: %w", snapshotResource, err)
	}
	config := *opts.StorageConfig
	config.GroupResource = ml.Resource(snapshotResource)
	// The keyspace is named here, beside whatever the getter's resource
	// prefix ends with: a getter may answer every resource with the
	// prefix of the runs, and snapshots there would be listed as runs.
	prefix := "/" + path.Join(path.Dir(strings.TrimPrefix(opts.ResourcePrefix, "/")), snapshotResource)
	s, destroy, err := generic.NewRawStorage(&config,
		func() runtime.Object { return &ml.Pipeline{} },
		func() runtime.Object { return &ml.PipelineList{} },
		prefix)
	if err != nil {
		return nil, nil, fmt.Errorf("create the storage of %s: %w", snapshotResource, err)
	}
	return &Snapshots{storage: s, prefix: prefix, scheme: scheme}, destroy, nil
}

func (s *Snapshots) key(namespace string, uid types.UID) string {
	return path.Join(s.prefix, namespace, string(uid))
}

// Get returns the snapshot of the run with uid in namespace.
func (s *Snapshots) Get(ctx context.Context, namespace string, uid types.UID) (*ml.Pipeline, error) {
	p := &ml.Pipeline{}
	if err := s.storage.Get(ctx, s.key(namespace, uid), storage.GetOptions{}, p); err != nil {
		return nil, err
	}
	return p, nil
}

// Ref returns the reference to spec that status.pipeline keeps: its hash
// and size, and where it was taken from (from, nil for an inline spec).
func (s *Snapshots) Ref(spec *ml.PipelineSpec, from *ml.PipelineSnapshotRef) (*ml.PipelineSnapshotRef, error) {
	external := &mlv1alpha1.PipelineSpec{}
	if err := s.scheme.Convert(spec, external, nil); err != nil {
		return nil, fmt.Errorf("convert the pipeline snapshot: %w", err)
	}
	hash, err := mlv1alpha1.PipelineSnapshotHash(external)
	if err != nil {
		return nil, err
	}
	ref := &ml.PipelineSnapshotRef{}
	if from != nil {
		*ref = *from
	}
	ref.Hash, ref.Tasks = hash, int32(len(spec.Tasks)+len(spec.Finally))
	return ref, nil
}

// put stores spec as the snapshot of run. A snapshot already there for the
// run's UID is kept: it is the same one, written by an earlier try.
func (s *Snapshots) put(ctx context.Context, run *ml.PipelineRun, spec *ml.PipelineSpec) error {
	p := &ml.Pipeline{
		ObjectMeta: metav1.ObjectMeta{Name: run.Name, Namespace: run.Namespace, UID: run.UID},
		Spec:       *spec,
	}
	err := s.storage.Create(ctx, s.key(run.Namespace, run.UID), p, nil, 0)
	if storage.IsExist(err) {
		return nil
	}
	return err
}

// delete deletes the snapshot of the run with uid in namespace, if any.
func (s *Snapshots) delete(ctx context.Context, namespace string, uid types.UID) error {
	err := s.storage.Delete(ctx, s.key(namespace, uid), &ml.Pipeline{}, nil,
		storage.ValidateAllObjectFunc, nil, storage.DeleteOptions{})
	if storage.IsNotFound(err) {
		return nil
	}
	return err
}

// moveOut stores the snapshot a run carries in memory (status.pipelineSpec,
// set by admission on create, or read from an object an earlier version
// stored) and returns a copy of the run that carries only the reference to
// it. A run without one is returned as it is.
func (s *Snapshots) moveOut(ctx context.Context, run *ml.PipelineRun) (*ml.PipelineRun, error) {
	if run.Status.PipelineSpec == nil {
		return run, nil
	}
	ref, err := s.Ref(run.Status.PipelineSpec, run.Status.Pipeline)
	if err != nil {
		return nil, err
	}
	if err := s.put(ctx, run, run.Status.PipelineSpec); err != nil {
		return nil, fmt.Errorf("store the pipeline snapshot of %s: %w", klog.KObj(run), err)
	}
	moved := run.DeepCopy()
	moved.Status.PipelineSpec, moved.Status.Pipeline = nil, ref
	return moved, nil
}

// snapshotStorage is the storage of the runs: it moves every snapshot a
// written run carries to the Snapshots before the run is stored.
type snapshotStorage struct {
	storage.Interface
	snapshots *Snapshots
}

// Create stores the run's snapshot first, then the run; it deletes the
// snapshot again when the run cannot be stored.
func (s *snapshotStorage) Create(ctx context.Context, key string, obj, out runtime.Object, ttl uint64) error {
	run, ok := obj.(*ml.PipelineRun)
	if !ok || run.Status.PipelineSpec == nil {
		return s.Interface.Create(ctx, key, obj, out, ttl)
	}
	moved, err := s.snapshots.moveOut(ctx, run)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	if err := s.Interface.Create(ctx, key, moved, out, ttl); err != nil {
		if derr := s.snapshots.delete(ctx, run.Namespace, run.UID); derr != nil {
			utilruntime.HandleErrorWithContext(ctx, derr, "Deleting the snapshot of a run that was not created", "pipelineRun", klog.KObj(run))
		}
		return err
	}
	return nil
}

// GuaranteedUpdate moves out a snapshot the update would store: one an
// earlier version stored in status.pipelineSpec, which the strategies
// keep from the stored object.
func (s *snapshotStorage) GuaranteedUpdate(ctx context.Context, key string, destination runtime.Object, ignoreNotFound bool,
	preconditions *storage.Preconditions, tryUpdate storage.UpdateFunc, cachedExistingObject runtime.Object) error {
	move := func(input runtime.Object, res storage.ResponseMeta) (runtime.Object, *uint64, error) {
		out, ttl, err := tryUpdate(input, res)
		if err != nil {
			return out, ttl, err
		}
		run, ok := out.(*ml.PipelineRun)
		if !ok || run.Status.PipelineSpec == nil {
			return out, ttl, nil
		}
		moved, err := s.snapshots.moveOut(ctx, run)
		if err != nil {
			return nil, nil, apierrors.NewInternalError(err)
		}
		klog.FromContext(ctx).V(2).Info("Moved the pipeline snapshot of a run out of its status", "pipelineRun", klog.KObj(run), "hash", moved.Status.Pipeline.Hash)
		return moved, ttl, nil
	}
	return s.Interface.GuaranteedUpdate(ctx, key, destination, ignoreNotFound, preconditions, move, cachedExistingObject)
}

// withSnapshots makes store keep the runs' snapshots in snapshots, and
// release them with the store. Status stores copied from store after this
// keep them too.
func withSnapshots(store *genericregistry.Store, snapshots *Snapshots, destroy func()) {
	store.Storage.Storage = &snapshotStorage{Interface: store.Storage.Storage, snapshots: snapshots}
	prev := store.DestroyFunc
	store.DestroyFunc = func() {
		if prev != nil {
			prev()
		}
		destroy()
	}
}

// deleteSnapshotsWithRuns makes store delete a run's snapshot once the run
// is gone: after a plain delete, and after the update that removes the
// last finalizer.
func deleteSnapshotsWithRuns(store *genericregistry.Store, snapshots *Snapshots) {
	next := store.AfterDelete
	store.AfterDelete = func(obj runtime.Object, options *metav1.DeleteOptions) {
		if next != nil {
			next(obj, options)
		}
		if options != nil && len(options.DryRun) > 0 {
			return
		}
		m, err := meta.Accessor(obj)
		if err != nil {
			utilruntime.HandleError(err)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), snapshotTimeout)
		defer cancel()
		if err := snapshots.delete(ctx, m.GetNamespace(), m.GetUID()); err != nil {
			utilruntime.HandleError(fmt.Errorf("delete the pipeline snapshot of %s/%s: %w", m.GetNamespace(), m.GetName(), err))
		}
	}
}
