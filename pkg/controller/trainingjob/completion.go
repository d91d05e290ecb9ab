package trainingjob

import (
	"fmt"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// checkCompletion ends the job as Succeeded once the pod of every replica
// index below spec.replicas has succeeded.
func checkCompletion(s *syncState) {
	if finished(s.job) != "" {
		return
	}
	n := desiredReplicas(s.job)
	for i := range n {
		if r, ok := s.byIndex[i]; !ok || r.Phase != workload.PhaseSucceeded {
			return
		}
	}
	recordArtifacts(s.job, s.byIndex[0])
	s.finish(ConditionComplete, ReasonSucceeded, fmt.Sprintf("All %d replicas succeeded", n))
}
