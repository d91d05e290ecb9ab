package trainingjob

import (
	"testing"
	"time"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

func TestCheckDeadline(t *testing.T) {
	cases := []struct {
		name        string
		job         *mlv1alpha1.TrainingJob
		now         time.Duration
		wantFailed  bool
		wantRequeue time.Duration
	}{
		{name: "no deadline", job: makeJob("a").StartTime(at(0)).V1alpha1(), now: time.Hour},
		{name: "not started", job: makeJob("a").ActiveDeadlineSeconds(60).V1alpha1(), now: time.Hour},
		{name: "before the deadline", job: makeJob("a").ActiveDeadlineSeconds(60).StartTime(at(0)).V1alpha1(), now: 20 * time.Second, wantRequeue: 40 * time.Second},
		{name: "at the deadline", job: makeJob("a").ActiveDeadlineSeconds(60).StartTime(at(0)).V1alpha1(), now: time.Minute, wantFailed: true},
		{name: "past the deadline", job: makeJob("a").ActiveDeadlineSeconds(60).StartTime(at(0)).V1alpha1(), now: time.Hour, wantFailed: true},
		{name: "suspended", job: makeJob("a").ActiveDeadlineSeconds(60).Suspend(true).StartTime(at(0)).V1alpha1(), now: time.Hour},
		{name: "ended", job: makeJob("a").ActiveDeadlineSeconds(60).StartTime(at(0)).Finished(ml.TrainingJobSucceeded, succeededAt(time.Second)).V1alpha1(), now: time.Hour},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := state(tc.job, tc.now)
			wasComplete := finished(tc.job) == ConditionComplete
			checkDeadline(s)
			if got := failedReason(s.job) == ReasonDeadlineExceeded; got != tc.wantFailed {
				t.Errorf("failed with DeadlineExceeded = %v, want %v", got, tc.wantFailed)
			}
			if tc.wantFailed {
				if s.job.Status.Phase != mlv1alpha1.TrainingJobFailed || !s.job.Status.CompletionTime.Equal(at(tc.now)) {
					t.Errorf("phase %q, completionTime %v; want Failed at %v", s.job.Status.Phase, s.job.Status.CompletionTime, at(tc.now))
				}
				if len(s.events) != 1 || s.events[0].reason != ReasonDeadlineExceeded {
					t.Errorf("events = %+v, want one %s", s.events, ReasonDeadlineExceeded)
				}
			}
			if wasComplete && finished(s.job) != ConditionComplete {
				t.Errorf("an ended job changed its end")
			}
			if s.requeueAfter != tc.wantRequeue {
				t.Errorf("requeue after %v, want %v", s.requeueAfter, tc.wantRequeue)
			}
		})
	}
}
