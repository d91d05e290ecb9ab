package logarchive

import (
	"context"
	"time"

	"ml.example.io/ml-apiserver/pkg/workload/local"
)

// LocalRuntime is the runtime of standalone mode: it archives the log of
// each replica itself once the replica's processes have ended, before it
// removes the replica's directory, and, at a start, the logs an earlier
// runtime on its directory left.
type LocalRuntime interface {
	ArchiveLeftovers(ctx context.Context, archiver local.LogArchiver)
	ArchiveLogs(ctx context.Context, archiver local.LogArchiver)
}

// leftoversTimeout bounds the archiving of an earlier run's logs before
// the controllers start; what is left is archived while they run.
const leftoversTimeout = time.Minute

// NewLocal archives the logs of rt's replicas through archiver. It first
// archives the logs that an earlier run of the server left, before any
// controller starts a replica again under the same name.
func NewLocal(ctx context.Context, rt LocalRuntime, archiver local.LogArchiver) *LocalController {
	lctx, cancel := context.WithTimeout(ctx, leftoversTimeout)
	defer cancel()
	rt.ArchiveLeftovers(lctx, archiver)
	return &LocalController{rt: rt, archiver: archiver}
}

// LocalController runs the archiving of a local runtime.
type LocalController struct {
	rt       LocalRuntime
	archiver local.LogArchiver
}

// Run archives until ctx is done; the runtime archives one log at a time.
func (c *LocalController) Run(ctx context.Context, _ int) {
	c.rt.ArchiveLogs(ctx, c.archiver)
}
