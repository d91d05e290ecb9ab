package trainingjob

import (
	"fmt"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// checkCompletion ends the job as Succeeded once the pod of every replica
// index below spec.replicas has succeeded. A job with roles succeeds with
// its primary role (mlv1alpha1.PrimaryRole): once its launcher, or its
// chief, or else all its workers, succeeded; parameter servers,
// evaluators and MPI workers may run on, and go with cleanPodPolicy.
func checkCompletion(s *syncState) {
	if finished(s.job) != "" {
		return
	}
	primary := mlv1alpha1.PrimaryRole(&s.job.Spec)
	var n int32
	for i, sl := range layout(s.job) {
		if sl.role != primary {
			continue
		}
		n++
		if r, ok := s.byIndex[int32(i)]; !ok || r.Phase != workload.PhaseSucceeded {
			return
		}
	}
	if n == 0 {
		return
	}
	recordArtifacts(s.job, s.byIndex[0])
	msg := fmt.Sprintf("All %d replicas succeeded", n)
	switch primary {
	case mlv1alpha1.RoleWorker:
		msg = fmt.Sprintf("All %d workers succeeded", n)
	case mlv1alpha1.RoleChief, mlv1alpha1.RoleLauncher:
		msg = fmt.Sprintf("The %s succeeded", primary)
	}
	s.finish(ConditionComplete, ReasonSucceeded, msg)
}
