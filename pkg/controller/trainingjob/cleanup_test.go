package trainingjob

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

func TestCleanup(t *testing.T) {
	pods := []workload.ReplicaStatus{
		rep(0, workload.PhaseSucceeded),
		rep(1, workload.PhaseFailed),
		rep(2, workload.PhaseRunning),
		rep(3, workload.PhasePending),
		rep(4, workload.PhaseRunning, terminating),
	}
	ended := func() *mltesting.TrainingJobWrapper {
		return makeJob("a").Replicas(5).Finished(ml.TrainingJobFailed, failedAt(ReasonDeadlineExceeded, 0))
	}
	cases := []struct {
		name        string
		job         *mlv1alpha1.TrainingJob
		now         time.Duration
		wantDeleted []string
		wantJobGone bool
		wantRequeue time.Duration
	}{
		{
			name: "a running job is not cleaned",
			job:  makeJob("a").Replicas(5).CleanPodPolicy(ml.CleanPodPolicyAll).TTLSecondsAfterFinished(0).V1alpha1(),
		},
		{name: "None keeps every pod", job: ended().CleanPodPolicy(ml.CleanPodPolicyNone).V1alpha1()},
		{name: "Running deletes pending and running pods", job: ended().V1alpha1(), wantDeleted: []string{"a-2", "a-3"}},
		{name: "unset means Running", job: ended().CleanPodPolicy("").V1alpha1(), wantDeleted: []string{"a-2", "a-3"}},
		{name: "All deletes every pod", job: ended().CleanPodPolicy(ml.CleanPodPolicyAll).V1alpha1(), wantDeleted: []string{"a-0", "a-1", "a-2", "a-3"}},
		{
			name:        "before the TTL the job waits",
			job:         ended().CleanPodPolicy(ml.CleanPodPolicyNone).TTLSecondsAfterFinished(100).V1alpha1(),
			now:         40 * time.Second,
			wantRequeue: 60 * time.Second,
		},
		{
			name:        "at the TTL the job is deleted",
			job:         ended().CleanPodPolicy(ml.CleanPodPolicyNone).TTLSecondsAfterFinished(100).V1alpha1(),
			now:         100 * time.Second,
			wantJobGone: true,
		},
		{
			name:        "TTL 0 deletes at once",
			job:         ended().CleanPodPolicy(ml.CleanPodPolicyNone).TTLSecondsAfterFinished(0).V1alpha1(),
			wantJobGone: true,
		},
		{
			name:        "without completionTime the end condition's time counts",
			job:         ended().CleanPodPolicy(ml.CleanPodPolicyNone).TTLSecondsAfterFinished(100).CompletionTime(nil).V1alpha1(),
			now:         99 * time.Second,
			wantRequeue: time.Second,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := state(tc.job, tc.now, pods...)
			cleanup(s)
			if diff := cmp.Diff(tc.wantDeleted, deletedNames(s), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("deleted (-want +got):\n%s", diff)
			}
			if s.deleteJob != tc.wantJobGone {
				t.Errorf("deleteJob = %v, want %v", s.deleteJob, tc.wantJobGone)
			}
			if s.requeueAfter != tc.wantRequeue {
				t.Errorf("requeue after %v, want %v", s.requeueAfter, tc.wantRequeue)
			}
		})
	}
}

// TestCleanupWaitsForTheStoredEnd checks that an end decided in this sync
// is not acted on before it is stored.
func TestCleanupWaitsForTheStoredEnd(t *testing.T) {
	s := state(makeJob("a").CleanPodPolicy(ml.CleanPodPolicyAll).TTLSecondsAfterFinished(0).V1alpha1(), 0, rep(0, workload.PhaseRunning))
	s.finish(ConditionFailed, ReasonDeadlineExceeded, "late")
	cleanup(s)
	if len(s.deletes) != 0 || s.deleteJob {
		t.Errorf("cleanup acted on an end that is not stored: deletes %v, deleteJob %v", deletedNames(s), s.deleteJob)
	}
}
