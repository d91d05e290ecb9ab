package trainingjob

import (
	"fmt"
	"time"
)

// Back-off of the replacement of failed replicas, as a Kubernetes Job's:
// 10s after the first failure, doubling after each, at most 6 minutes.
const (
	DefaultBackoffBase = 10 * time.Second
	DefaultBackoffMax  = 6 * time.Minute
)

// backoff is the delay before a failed replica's replacement starts. The
// zero value replaces at once.
type backoff struct {
	base, max time.Duration
}

// newBackoff is the back-off of the controller's Config: 0 means the
// default, a negative value none.
func newBackoff(base, maxDelay time.Duration) backoff {
	if base == 0 {
		base = DefaultBackoffBase
	}
	if maxDelay == 0 {
		maxDelay = DefaultBackoffMax
	}
	if base < 0 {
		return backoff{}
	}
	return backoff{base: base, max: max(maxDelay, base)}
}

// delay is how long to wait after failure number failed (from 1) before
// replacing it: base doubled failed-1 times, capped at max.
func (b backoff) delay(failed int32) time.Duration {
	if b.base <= 0 || failed < 1 {
		return 0
	}
	d := b.base
	for i := int32(1); i < failed && d < b.max; i++ {
		d *= 2
	}
	return min(d, b.max)
}

// holdForBackoff keeps the replicas that manageReplicas would create back
// until the back-off after the job's last failure has passed, and asks for
// a sync then. The Running condition says why nothing starts.
func holdForBackoff(s *syncState) {
	f := s.job.Status.LastFailure
	if len(s.creates) == 0 || f == nil || !s.active() {
		return
	}
	d := s.backoff.delay(s.job.Status.Failed)
	left := f.Time.Add(d).Sub(s.now.Time)
	if left <= 0 {
		return
	}
	s.creates = nil
	s.requeue(left)
	s.backingOff = fmt.Sprintf("replacing failed replicas in %s (back-off %s after %d failures)%s",
		left.Round(time.Second/10), d, s.job.Status.Failed, lastFailure(s.job))
}
