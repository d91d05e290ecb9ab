package local

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/klog/v2"
)

// LogArchiver archives the log of one replica (a pod, to the log
// subresource) of an owner. logarchive.APIArchiver is one.
type LogArchiver interface {
	Archive(ctx context.Context, owner schema.GroupKind, namespace, ownerName, pod, podUID string) error
}

// archiveTimeout bounds one archive of a replica's log: a server that
// cannot archive must not hold a deletion for long.
const archiveTimeout = 30 * time.Second

// Back-off of an archive that failed for a reason that may pass (the
// server is busy or not up yet).
const (
	firstArchiveRetry = time.Second
	maxArchiveRetry   = time.Minute
)

// archiving is what the runtime knows of the logs it must archive: the
// replicas whose last process ended, the leftovers of an earlier runtime,
// and which were archived.
type archiving struct {
	mu       sync.Mutex
	archiver LogArchiver
	pending  []*replica
	signal   chan struct{}
	// archived are the replicas (by UID) whose log is in the archive, or
	// will never be (the owner is gone, the archive refused it).
	archived map[string]bool
	failures map[string]int
	// locks serialize the archives of one replica.
	locks map[string]*sync.Mutex
}

func newArchiving() *archiving {
	return &archiving{
		signal:   make(chan struct{}, 1),
		archived: map[string]bool{},
		failures: map[string]int{},
		locks:    map[string]*sync.Mutex{},
	}
}

// current is the archiver of a running ArchiveLogs, nil for none.
func (a *archiving) current() LogArchiver {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.archiver
}

func (a *archiving) push(reps ...*replica) {
	a.mu.Lock()
	a.pending = append(a.pending, reps...)
	a.mu.Unlock()
	select {
	case a.signal <- struct{}{}:
	default:
	}
}

func (a *archiving) take() []*replica {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := a.pending
	a.pending = nil
	return out
}

// lock returns the lock of the replica uid's archives.
func (a *archiving) lock(uid string) *sync.Mutex {
	a.mu.Lock()
	defer a.mu.Unlock()
	l := a.locks[uid]
	if l == nil {
		l = &sync.Mutex{}
		a.locks[uid] = l
	}
	return l
}

func (a *archiving) isArchived(uid string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.archived[uid]
}

// forget drops what is known of a replica whose directory is gone.
func (a *archiving) forget(uid string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.archived, uid)
	delete(a.failures, uid)
	delete(a.locks, uid)
}

// enqueueArchive has the log of rep archived by ArchiveLogs, once: rep's
// last process ended. A replica that never ran has no log.
func (r *Runtime) enqueueArchive(rep *replica) {
	r.mu.Lock()
	ran := rep.log != nil
	r.mu.Unlock()
	if ran && r.archive.current() != nil && !r.archive.isArchived(rep.uid) {
		r.archive.push(rep)
	}
}

func (a *archiving) setArchiver(archiver LogArchiver) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.archiver = archiver
}

// ArchiveLogs archives, until ctx is done, through archiver, the log of
// every replica whose last process ended, and those an earlier runtime on
// the same directory left (which are removed once archived). While it
// runs, a replica's directory is removed only once its log is archived
// (or the archive refused it for good); a replica's log that could not be
// archived is kept on disk and archived at the next start. Without it,
// directories are removed as before, unarchived.
func (r *Runtime) ArchiveLogs(ctx context.Context, archiver LogArchiver) {
	a := r.archive
	a.setArchiver(archiver)
	defer a.setArchiver(nil)
	for {
		batch := a.take()
		for i, rep := range batch {
			if ctx.Err() != nil {
				a.push(batch[i:]...)
				return
			}
			r.archivePending(ctx, archiver, rep)
		}
		select {
		case <-ctx.Done():
			return
		case <-a.signal:
		}
	}
}

// ArchiveLeftovers archives, once, the logs an earlier runtime on the same
// directory left, and removes them; those that could not be archived for
// a reason that may pass stay for ArchiveLogs. Call it before the
// controllers start replicas again, which may take their names. From then
// on, the runtime archives a replica's log before it removes its
// directory, with archiver, until an ArchiveLogs has run and ended.
func (r *Runtime) ArchiveLeftovers(ctx context.Context, archiver LogArchiver) {
	r.archive.setArchiver(archiver)
	r.mu.Lock()
	var reps []*replica
	for rep := range r.leftovers {
		reps = append(reps, rep)
	}
	r.mu.Unlock()
	for _, rep := range reps {
		if ctx.Err() != nil {
			return
		}
		r.archivePending(ctx, archiver, rep)
	}
}

// archivePending archives the log of a finished replica (a leftover is
// then removed), or schedules another try when the failure may pass.
func (r *Runtime) archivePending(ctx context.Context, archiver LogArchiver, rep *replica) {
	l := r.archive.lock(rep.uid)
	l.Lock()
	defer l.Unlock()
	if _, err := os.Stat(rep.dir); os.IsNotExist(err) {
		// Removed (and archived first) by a deletion, or archived
		// already.
		r.archive.forget(rep.uid)
		return
	}
	if !r.archive.isArchived(rep.uid) {
		actx, cancel := context.WithTimeout(ctx, archiveTimeout)
		err := r.archiveOnce(actx, archiver, rep)
		cancel()
		if err != nil && ctx.Err() == nil {
			a := r.archive
			a.mu.Lock()
			a.failures[rep.uid]++
			delay := min(firstArchiveRetry<<min(a.failures[rep.uid]-1, 10), maxArchiveRetry)
			a.mu.Unlock()
			klog.FromContext(ctx).Info("Could not archive the log of a replica, trying again", "replica", klog.KRef(rep.owner.Namespace, rep.name), "in", delay, "err", err)
			time.AfterFunc(delay, func() { a.push(rep) })
			return
		}
		if err != nil {
			r.archive.push(rep)
			return
		}
	}
	r.mu.Lock()
	_, leftover := r.leftovers[rep]
	r.mu.Unlock()
	if leftover {
		r.removeDir(rep)
		r.mu.Lock()
		delete(r.leftovers, rep)
		r.mu.Unlock()
	}
}

// archiveOnce archives rep's log and records that it is archived. An error
// is returned only when a later try may succeed; a refusal for good (the
// owner or the replica is gone, the archive is full) is logged and counts
// as done.
func (r *Runtime) archiveOnce(ctx context.Context, archiver LogArchiver, rep *replica) error {
	err := archiver.Archive(ctx, rep.owner.Kind.GroupKind(), rep.owner.Namespace, rep.owner.Name, rep.name, rep.uid)
	switch {
	case err == nil:
		klog.FromContext(ctx).V(2).Info("Archived the log of a replica", "replica", klog.KRef(rep.owner.Namespace, rep.name), "owner", rep.owner.Name, "kind", rep.owner.Kind.Kind)
	case refusedForGood(err):
		klog.FromContext(ctx).Info("The log of a replica is not archived", "replica", klog.KRef(rep.owner.Namespace, rep.name), "owner", rep.owner.Name, "kind", rep.owner.Kind.Kind, "reason", err)
	default:
		return err
	}
	r.archive.mu.Lock()
	r.archive.archived[rep.uid] = true
	r.archive.mu.Unlock()
	if err := os.WriteFile(filepath.Join(rep.dir, archivedFile), nil, 0o600); err != nil && !os.IsNotExist(err) {
		klog.FromContext(ctx).Error(err, "Mark the log of a replica archived", "replica", klog.KRef(rep.owner.Namespace, rep.name))
	}
	return nil
}

// refusedForGood says whether an archive's failure will not pass by
// trying again: the owner or the replica is gone or was replaced, or the
// request is refused. A full archive (429) may pass: deleting objects
// gives bytes back.
func refusedForGood(err error) bool {
	return apierrors.IsNotFound(err) || apierrors.IsConflict(err) || apierrors.IsBadRequest(err) ||
		apierrors.IsInvalid(err) || apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) ||
		apierrors.IsMethodNotSupported(err)
}

// removeReplicaDir removes the directory of a replica whose processes have
// ended, once its log is archived while ArchiveLogs runs. When the archive
// fails for a reason that may pass, the directory is kept: the next start
// archives it; but a full archive (429) does not hold the removal, as on a
// cluster, or the disk would fill up in its place.
func (r *Runtime) removeReplicaDir(rep *replica) {
	if archiver := r.archive.current(); archiver != nil {
		l := r.archive.lock(rep.uid)
		l.Lock()
		r.mu.Lock()
		ran := rep.log != nil
		r.mu.Unlock()
		if ran && !r.archive.isArchived(rep.uid) {
			ctx, cancel := context.WithTimeout(context.Background(), archiveTimeout)
			err := r.archiveOnce(ctx, archiver, rep)
			cancel()
			switch {
			case apierrors.IsTooManyRequests(err):
				klog.ErrorS(err, "The archive refused the log of a removed replica: it goes with its directory", "replica", klog.KRef(rep.owner.Namespace, rep.name))
			case err != nil:
				l.Unlock()
				klog.ErrorS(err, "Could not archive the log of a removed replica: its directory is kept until the next start", "replica", klog.KRef(rep.owner.Namespace, rep.name), "dir", rep.dir)
				return
			}
		}
		l.Unlock()
	}
	r.removeDir(rep)
}

// removeDir removes rep's directory and forgets its archive.
func (r *Runtime) removeDir(rep *replica) {
	if err := os.RemoveAll(rep.dir); err != nil {
		klog.ErrorS(err, "Remove the directory of a replica", "replica", klog.KRef(rep.owner.Namespace, rep.name), "dir", rep.dir)
		return
	}
	r.archive.forget(rep.uid)
}
