package trainingjob

import (
	"fmt"
)

// manageReplicas keeps, while the job is active, one pod for every replica
// number below spec.replicas (with roles: below the replicas of every
// role, see layout) and the job's headless Service. It creates the
// pods that are missing: at the start, after a resume, when an elastic job
// was scaled up, and to replace a failed (or deleted) pod once it is gone.
// It deletes pods of indices at or above spec.replicas (an elastic job
// scaled down: the highest indices go) and pods that are no replica of the
// job.
func manageReplicas(s *syncState) {
	if !s.active() {
		return
	}
	s.ensureService = true
	n := totalReplicas(s.job)
	for _, r := range s.replicas {
		i, ok := replicaIndex(s.job, r)
		switch {
		case !ok:
			s.deleteReplica(r, "not a replica of the job")
		case i >= n:
			s.deleteReplica(r, fmt.Sprintf("scaled down to %d replicas", n))
		}
	}
	for i := range n {
		if _, ok := s.byIndex[i]; !ok {
			s.creates = append(s.creates, i)
		}
	}
}
