package trainingjob

import (
	"testing"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

func TestCheckCompletion(t *testing.T) {
	succeeded := workload.PhaseSucceeded
	cases := []struct {
		name     string
		job      *mlv1alpha1.TrainingJob
		replicas []workload.ReplicaStatus
		want     bool
	}{
		{name: "no pods", job: makeJob("a").Replicas(2).V1alpha1()},
		{
			name:     "one of two succeeded",
			job:      makeJob("a").Replicas(2).V1alpha1(),
			replicas: []workload.ReplicaStatus{rep(0, succeeded), rep(1, workload.PhaseRunning)},
		},
		{
			name:     "every replica succeeded",
			job:      makeJob("a").Replicas(2).V1alpha1(),
			replicas: []workload.ReplicaStatus{rep(0, succeeded), rep(1, succeeded)},
			want:     true,
		},
		{
			name:     "a missing replica is not done",
			job:      makeJob("a").Replicas(3).V1alpha1(),
			replicas: []workload.ReplicaStatus{rep(0, succeeded), rep(2, succeeded)},
		},
		{
			name:     "pods above spec.replicas do not count",
			job:      makeJob("a").Replicas(1).Elastic(1, 3).V1alpha1(),
			replicas: []workload.ReplicaStatus{rep(0, succeeded), rep(1, workload.PhaseRunning)},
			want:     true,
		},
		{
			name:     "a pod that is not a replica does not count",
			job:      makeJob("a").V1alpha1(),
			replicas: []workload.ReplicaStatus{rep(0, succeeded, func(r *workload.ReplicaStatus) { r.Name = "stray" })},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := state(tc.job, 0, tc.replicas...)
			checkCompletion(s)
			got := finished(s.job) == ConditionComplete
			if got != tc.want {
				t.Fatalf("complete = %v, want %v", got, tc.want)
			}
			if !got {
				return
			}
			if s.job.Status.Phase != mlv1alpha1.TrainingJobSucceeded || !s.job.Status.CompletionTime.Equal(at(0)) {
				t.Errorf("phase %q, completionTime %v; want Succeeded at %v", s.job.Status.Phase, s.job.Status.CompletionTime, at(0))
			}
			if len(s.events) != 1 || s.events[0].reason != EventCompleted {
				t.Errorf("events = %+v, want one %s", s.events, EventCompleted)
			}
		})
	}
}

func TestCheckCompletionKeepsAnEnd(t *testing.T) {
	job := makeJob("a").Finished(ml.TrainingJobFailed, failedAt(ReasonDeadlineExceeded, 0)).V1alpha1()
	s := state(job, 0, rep(0, workload.PhaseSucceeded))
	checkCompletion(s)
	if got := finished(s.job); got != ConditionFailed {
		t.Errorf("finished = %q, want the job to stay Failed", got)
	}
}
