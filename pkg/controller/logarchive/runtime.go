package logarchive

import (
	"context"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// archiveTimeout bounds the archiving before a deletion: a server that
// cannot archive must not stop cleanup for long.
const archiveTimeout = 30 * time.Second

// ArchiveBeforeDelete returns runtime, whose DeleteReplica first archives
// the replica's logs. A failed archive is logged and the deletion goes on:
// cleanup, suspend and TTL must not hang on the archive.
func ArchiveBeforeDelete(runtime workload.Runtime, archiver Archiver) workload.Runtime {
	return &archivingRuntime{Runtime: runtime, archiver: archiver}
}

type archivingRuntime struct {
	workload.Runtime
	archiver Archiver
}

func (r *archivingRuntime) DeleteReplica(ctx context.Context, owner workload.Owner, name, uid string) error {
	actx, cancel := context.WithTimeout(ctx, archiveTimeout)
	err := r.archiver.Archive(actx, owner.Kind.GroupKind(), owner.Namespace, owner.Name, name, uid)
	cancel()
	switch {
	case err == nil:
	case apierrors.IsNotFound(err), apierrors.IsConflict(err):
		// The pod (or its owner) is gone, or was replaced: nothing to keep.
	default:
		klog.FromContext(ctx).Info("Could not archive the logs of a pod before deleting it", "pod", klog.KRef(owner.Namespace, name), "err", err)
	}
	return r.Runtime.DeleteReplica(ctx, owner, name, uid)
}
