package trainingjob

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

func TestCountFailures(t *testing.T) {
	cases := []struct {
		name     string
		job      *mlv1alpha1.TrainingJob
		replicas []workload.ReplicaStatus

		wantFailed, wantRestarts int32
		wantCounted              string // the annotation afterwards
		wantDeleted              []string
		wantEnd                  string // the Failed reason, "" while running
		wantEvents               []string
	}{
		{
			name:     "nothing failed",
			job:      makeJob("a").Replicas(2).V1alpha1(),
			replicas: []workload.ReplicaStatus{rep(0, workload.PhaseRunning), rep(1, workload.PhaseSucceeded)},
		},
		{
			name:         "a new failure is counted and kept until the count is stored",
			job:          makeJob("a").Replicas(2).V1alpha1(),
			replicas:     []workload.ReplicaStatus{rep(0, workload.PhaseRunning), rep(1, workload.PhaseFailed, exited(1, "Error", "boom"))},
			wantFailed:   1,
			wantRestarts: 1,
			wantCounted:  "a-1",
			wantEvents:   []string{EventPodFailed},
		},
		{
			name:         "a failure counted before is deleted, not counted again",
			job:          makeJob("a").Replicas(2).Failures(1, 1).Annotation(mlv1alpha1.CountedFailuresAnnotation, "a-1").V1alpha1(),
			replicas:     []workload.ReplicaStatus{rep(0, workload.PhaseRunning), rep(1, workload.PhaseFailed)},
			wantFailed:   1,
			wantRestarts: 1,
			wantCounted:  "a-1",
			wantDeleted:  []string{"a-1"},
		},
		{
			name:         "a counted pod that is gone leaves the annotation",
			job:          makeJob("a").Replicas(2).Failures(1, 1).Annotation(mlv1alpha1.CountedFailuresAnnotation, "a-1").V1alpha1(),
			replicas:     []workload.ReplicaStatus{rep(0, workload.PhaseRunning)},
			wantFailed:   1,
			wantRestarts: 1,
		},
		{
			name:         "the replacement failing is a new failure",
			job:          makeJob("a").Replicas(2).Failures(1, 1).V1alpha1(),
			replicas:     []workload.ReplicaStatus{rep(0, workload.PhaseRunning), rep(1, workload.PhaseFailed, uid("a-1-second"))},
			wantFailed:   2,
			wantRestarts: 2,
			wantCounted:  "a-1-second",
			wantEvents:   []string{EventPodFailed},
		},
		{
			name:         "a counted pod being deleted is neither recounted nor deleted again",
			job:          makeJob("a").Failures(1, 1).Annotation(mlv1alpha1.CountedFailuresAnnotation, "a-0").V1alpha1(),
			replicas:     []workload.ReplicaStatus{rep(0, workload.PhaseFailed, terminating)},
			wantFailed:   1,
			wantRestarts: 1,
			wantCounted:  "a-0",
		},
		{
			name:     "a pod that fails while being deleted is no failure",
			job:      makeJob("a").V1alpha1(),
			replicas: []workload.ReplicaStatus{rep(0, workload.PhaseFailed, terminating)},
		},
		{
			name:         "reaching the backoff limit replaces the pod",
			job:          makeJob("a").BackoffLimit(1).V1alpha1(),
			replicas:     []workload.ReplicaStatus{rep(0, workload.PhaseFailed)},
			wantFailed:   1,
			wantRestarts: 1,
			wantCounted:  "a-0",
			wantEvents:   []string{EventPodFailed},
		},
		{
			name:         "past the backoff limit the job fails and keeps the pod",
			job:          makeJob("a").Replicas(2).BackoffLimit(1).Failures(1, 1).V1alpha1(),
			replicas:     []workload.ReplicaStatus{rep(0, workload.PhaseRunning), rep(1, workload.PhaseFailed)},
			wantFailed:   2,
			wantRestarts: 1,
			wantEnd:      ReasonBackoffLimitExceeded,
			wantEvents:   []string{EventPodFailed, ReasonBackoffLimitExceeded},
		},
		{
			name:       "backoff limit 0: the first failure fails the job",
			job:        makeJob("a").BackoffLimit(0).V1alpha1(),
			replicas:   []workload.ReplicaStatus{rep(0, workload.PhaseFailed)},
			wantFailed: 1,
			wantEnd:    ReasonBackoffLimitExceeded,
			wantEvents: []string{EventPodFailed, ReasonBackoffLimitExceeded},
		},
		{
			name:         "two failures at once both count",
			job:          makeJob("a").Replicas(3).V1alpha1(),
			replicas:     []workload.ReplicaStatus{rep(0, workload.PhaseFailed), rep(1, workload.PhaseRunning), rep(2, workload.PhaseFailed)},
			wantFailed:   2,
			wantRestarts: 2,
			wantCounted:  "a-0,a-2",
			wantEvents:   []string{EventPodFailed, EventPodFailed},
		},
		{
			name:         "an ended job counts nothing more, and forgets what it counted",
			job:          makeJob("a").Failures(4, 3).Finished(ml.TrainingJobFailed, failedAt(ReasonBackoffLimitExceeded, 0)).Annotation(mlv1alpha1.CountedFailuresAnnotation, "a-0").V1alpha1(),
			replicas:     []workload.ReplicaStatus{rep(0, workload.PhaseFailed), rep(1, workload.PhaseFailed, uid("other"))},
			wantFailed:   4,
			wantRestarts: 3,
			wantEnd:      ReasonBackoffLimitExceeded,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := state(tc.job, 0, tc.replicas...)
			countFailures(s)
			st := s.job.Status
			if st.Failed != tc.wantFailed || st.Restarts != tc.wantRestarts {
				t.Errorf("failed, restarts = %d, %d; want %d, %d", st.Failed, st.Restarts, tc.wantFailed, tc.wantRestarts)
			}
			if got := s.job.Annotations[mlv1alpha1.CountedFailuresAnnotation]; got != tc.wantCounted {
				t.Errorf("counted failures = %q, want %q", got, tc.wantCounted)
			}
			if diff := cmp.Diff(tc.wantDeleted, deletedNames(s)); diff != "" {
				t.Errorf("deleted (-want +got):\n%s", diff)
			}
			var end string
			if finished(s.job) == ConditionFailed {
				end = failedReason(s.job)
			}
			if end != tc.wantEnd {
				t.Errorf("end = %q, want %q", end, tc.wantEnd)
			}
			if diff := cmp.Diff(tc.wantEvents, eventReasons(s), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCountFailuresMessages checks that simultaneous failures are numbered
// one by one in their events.
func TestCountFailuresMessages(t *testing.T) {
	s := state(makeJob("a").Replicas(3).Failures(1, 1).V1alpha1(), 0,
		rep(0, workload.PhaseFailed, exited(1, "Error", "")), rep(1, workload.PhaseRunning), rep(2, workload.PhaseFailed, exited(2, "Error", "")))
	countFailures(s)
	var got []string
	for _, e := range s.events {
		got = append(got, e.message)
	}
	want := []string{
		"Pod a-0 failed: exit code 1; replacing it (restart 2, backoffLimit 3)",
		"Pod a-2 failed: exit code 2; replacing it (restart 3, backoffLimit 3)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("event messages (-want +got):\n%s", diff)
	}
}

// TestCountFailuresIdempotent runs the step again on the job it produced,
// as the next sync would once the status was stored: nothing is counted
// twice.
func TestCountFailuresIdempotent(t *testing.T) {
	replicas := []workload.ReplicaStatus{rep(0, workload.PhaseRunning), rep(1, workload.PhaseFailed)}
	s := state(makeJob("a").Replicas(2).V1alpha1(), 0, replicas...)
	countFailures(s)
	for range 3 {
		s = state(s.job, 0, replicas...)
		countFailures(s)
	}
	if st := s.job.Status; st.Failed != 1 || st.Restarts != 1 {
		t.Errorf("failed, restarts = %d, %d after 4 syncs; want 1, 1", st.Failed, st.Restarts)
	}
	if diff := cmp.Diff([]string{"a-1"}, deletedNames(s)); diff != "" {
		t.Errorf("deleted (-want +got):\n%s", diff)
	}
}

func TestDescribeFailure(t *testing.T) {
	long := make([]byte, workload.MaxCauseMessage+10)
	for i := range long {
		long[i] = 'x'
	}
	cases := []struct {
		replica workload.ReplicaStatus
		want    string
	}{
		{rep(0, workload.PhaseFailed), ""},
		{rep(0, workload.PhaseFailed, exited(137, "OOMKilled", "")), ": exit code 137 (OOMKilled)"},
		{rep(0, workload.PhaseFailed, exited(1, "Error", "loss is nan\n")), ": exit code 1: loss is nan"},
		{rep(0, workload.PhaseFailed, exited(2, "", string(long))), ": exit code 2: " + string(long[:workload.MaxCauseMessage]) + "..."},
	}
	for _, tc := range cases {
		if got := describeFailure(tc.replica); got != tc.want {
			t.Errorf("describeFailure(%+v) = %q, want %q", tc.replica, got, tc.want)
		}
	}
}
