package trainingjob

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// cleanup acts on a job whose end is stored. spec.cleanPodPolicy says
// which pods go: None keeps every pod, Running (the default) deletes those
// still pending or running, All deletes every pod. The Service stays until
// the job is deleted. spec.ttlSecondsAfterFinished deletes the job that
// long after status.completionTime, and asks for a sync until then.
func cleanup(s *syncState) {
	if !s.wasFinished {
		return
	}
	policy := s.job.Spec.CleanPodPolicy
	if policy == "" {
		policy = mlv1alpha1.CleanPodPolicyRunning
	}
	why := fmt.Sprintf("the job has ended (cleanPodPolicy %s)", policy)
	for _, r := range s.replicas {
		switch {
		case policy == mlv1alpha1.CleanPodPolicyAll,
			policy == mlv1alpha1.CleanPodPolicyRunning && !r.Finished():
			s.deleteReplica(r, why)
		}
	}

	ttl := s.job.Spec.TTLSecondsAfterFinished
	end := completionTime(s.job)
	if ttl == nil || end == nil {
		return
	}
	expiry := end.Add(time.Duration(*ttl) * time.Second)
	if left := expiry.Sub(s.now.Time); left > 0 {
		s.requeue(left)
		return
	}
	s.deleteJob = true
}

// completionTime is status.completionTime, or when the job's end condition
// became true if a writer left completionTime out.
func completionTime(job *mlv1alpha1.TrainingJob) *time.Time {
	if t := job.Status.CompletionTime; t != nil {
		return &t.Time
	}
	if c := meta.FindStatusCondition(job.Status.Conditions, finished(job)); c != nil {
		return &c.LastTransitionTime.Time
	}
	return nil
}
