package trainingjob

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

func TestSuspendOrStart(t *testing.T) {
	running := workload.PhaseRunning
	cases := []struct {
		name     string
		job      *mlv1alpha1.TrainingJob
		replicas []workload.ReplicaStatus

		wantDeleted   []string
		wantStart     *metav1.Time
		wantSuspended *metav1.Condition // nil: no condition
		wantEvents    []string
	}{
		{
			name:      "a new job starts now",
			job:       makeJob("a").V1alpha1(),
			wantStart: at(time.Minute),
		},
		{
			name:      "a started job keeps its start",
			job:       makeJob("a").StartTime(at(0)).V1alpha1(),
			replicas:  []workload.ReplicaStatus{rep(0, running)},
			wantStart: at(0),
		},
		{
			name:          "suspending deletes the pods and the start time",
			job:           makeJob("a").Replicas(3).Suspend(true).StartTime(at(0)).V1alpha1(),
			replicas:      []workload.ReplicaStatus{rep(0, running), rep(1, workload.PhasePending), rep(2, running, terminating)},
			wantDeleted:   []string{"a-0", "a-1"},
			wantSuspended: &metav1.Condition{Type: ConditionSuspended, Status: metav1.ConditionTrue, Reason: ReasonSuspended},
			wantEvents:    []string{ReasonSuspended},
		},
		{
			name:          "a suspended job is suspended once",
			job:           makeJob("a").Suspend(true).SetCondition(cond(ConditionSuspended, metav1.ConditionTrue, ReasonSuspended, 0)).V1alpha1(),
			wantSuspended: &metav1.Condition{Type: ConditionSuspended, Status: metav1.ConditionTrue, Reason: ReasonSuspended},
		},
		{
			name:          "resuming restarts the clock",
			job:           makeJob("a").SetCondition(cond(ConditionSuspended, metav1.ConditionTrue, ReasonSuspended, 0)).V1alpha1(),
			wantStart:     at(time.Minute),
			wantSuspended: &metav1.Condition{Type: ConditionSuspended, Status: metav1.ConditionFalse, Reason: ReasonResumed},
			wantEvents:    []string{ReasonResumed},
		},
		{
			name:          "a resumed job is resumed once",
			job:           makeJob("a").StartTime(at(0)).SetCondition(cond(ConditionSuspended, metav1.ConditionFalse, ReasonResumed, 0)).V1alpha1(),
			wantStart:     at(0),
			wantSuspended: &metav1.Condition{Type: ConditionSuspended, Status: metav1.ConditionFalse, Reason: ReasonResumed},
		},
		{
			name:      "an ended job is not suspended",
			job:       makeJob("a").Suspend(true).StartTime(at(0)).Finished(ml.TrainingJobSucceeded, succeededAt(0)).V1alpha1(),
			replicas:  []workload.ReplicaStatus{rep(0, workload.PhaseSucceeded)},
			wantStart: at(0),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := state(tc.job, time.Minute, tc.replicas...)
			suspendOrStart(s)
			if diff := cmp.Diff(tc.wantDeleted, deletedNames(s)); diff != "" {
				t.Errorf("deleted (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantStart, s.job.Status.StartTime); diff != "" {
				t.Errorf("startTime (-want +got):\n%s", diff)
			}
			got := meta.FindStatusCondition(s.job.Status.Conditions, ConditionSuspended)
			if diff := cmp.Diff(tc.wantSuspended, got, cmpopts.IgnoreFields(metav1.Condition{}, "Message", "LastTransitionTime", "ObservedGeneration")); diff != "" {
				t.Errorf("Suspended condition (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantEvents, eventReasons(s), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}
