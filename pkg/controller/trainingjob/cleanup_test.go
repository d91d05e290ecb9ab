package trainingjob

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

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
	ended := func() *jobWrapper { return makeJob("a").replicas(5).failed(ReasonDeadlineExceeded, 0) }
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
			job:  makeJob("a").replicas(5).cleanPodPolicy(mlv1alpha1.CleanPodPolicyAll).ttl(0).obj(),
		},
		{name: "None keeps every pod", job: ended().cleanPodPolicy(mlv1alpha1.CleanPodPolicyNone).obj()},
		{name: "Running deletes pending and running pods", job: ended().obj(), wantDeleted: []string{"a-2", "a-3"}},
		{name: "unset means Running", job: ended().cleanPodPolicy("").obj(), wantDeleted: []string{"a-2", "a-3"}},
		{name: "All deletes every pod", job: ended().cleanPodPolicy(mlv1alpha1.CleanPodPolicyAll).obj(), wantDeleted: []string{"a-0", "a-1", "a-2", "a-3"}},
		{
			name:        "before the TTL the job waits",
			job:         ended().cleanPodPolicy(mlv1alpha1.CleanPodPolicyNone).ttl(100).obj(),
			now:         40 * time.Second,
			wantRequeue: 60 * time.Second,
		},
		{
			name:        "at the TTL the job is deleted",
			job:         ended().cleanPodPolicy(mlv1alpha1.CleanPodPolicyNone).ttl(100).obj(),
			now:         100 * time.Second,
			wantJobGone: true,
		},
		{
			name:        "TTL 0 deletes at once",
			job:         ended().cleanPodPolicy(mlv1alpha1.CleanPodPolicyNone).ttl(0).obj(),
			wantJobGone: true,
		},
		{
			name:        "without completionTime the end condition's time counts",
			job:         ended().cleanPodPolicy(mlv1alpha1.CleanPodPolicyNone).ttl(100).completed(nil).obj(),
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
	s := state(makeJob("a").cleanPodPolicy(mlv1alpha1.CleanPodPolicyAll).ttl(0).obj(), 0, rep(0, workload.PhaseRunning))
	s.finish(ConditionFailed, ReasonDeadlineExceeded, "late")
	cleanup(s)
	if len(s.deletes) != 0 || s.deleteJob {
		t.Errorf("cleanup acted on an end that is not stored: deletes %v, deleteJob %v", deletedNames(s), s.deleteJob)
	}
}
