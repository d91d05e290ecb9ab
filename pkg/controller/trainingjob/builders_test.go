package trainingjob

import (
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// t0 is the fake clock's start in every test.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// at is t0 plus d, as a *metav1.Time.
func at(d time.Duration) *metav1.Time {
	t := metav1.NewTime(t0.Add(d))
	return &t
}

// makeJob starts job name in namespace "ns" as the controller reads it
// from the API: defaulted, with a UID, generation 1 and a resource
// version, running "python train.py" in trainer:1.
func makeJob(name string) *mltesting.TrainingJobWrapper {
	return mltesting.MakeTrainingJob(name, "ns").
		UID("uid-"+name).Generation(1).ResourceVersion("1").
		Image("trainer:1").Command("python", "train.py")
}

// cond is a condition of a generation-1 job set at t0+since.
func cond(condType string, status metav1.ConditionStatus, reason string, since time.Duration) metav1.Condition {
	return metav1.Condition{
		Type: condType, Status: status, Reason: reason, ObservedGeneration: 1,
		LastTransitionTime: *at(since),
	}
}

// succeededAt is the Complete condition of a job that succeeded at
// t0+since, for TrainingJobWrapper.Finished.
func succeededAt(since time.Duration) metav1.Condition {
	return cond(ConditionComplete, metav1.ConditionTrue, ReasonSucceeded, since)
}

// failedAt is the Failed condition of a job that failed with reason at
// t0+since, for TrainingJobWrapper.Finished.
func failedAt(reason string, since time.Duration) metav1.Condition {
	return cond(ConditionFailed, metav1.ConditionTrue, reason, since)
}

// rep is replica index of job "a" in phase, with UID "a-<index>"; opts
// adjust it.
func rep(index int32, phase workload.Phase, opts ...func(*workload.ReplicaStatus)) workload.ReplicaStatus {
	r := workload.ReplicaStatus{
		Name:   PodName("a", index),
		UID:    PodName("a", index),
		Labels: map[string]string{mlv1alpha1.TrainingJobNameLabel: "a", mlv1alpha1.ReplicaIndexLabel: itoa(index)},
		Phase:  phase,
	}
	for _, o := range opts {
		o(&r)
	}
	return r
}

func ready(r *workload.ReplicaStatus)       { r.Ready = true }
func terminating(r *workload.ReplicaStatus) { r.Terminating = true }

func uid(u string) func(*workload.ReplicaStatus) {
	return func(r *workload.ReplicaStatus) { r.UID = u }
}

func exited(code int32, reason, message string) func(*workload.ReplicaStatus) {
	return func(r *workload.ReplicaStatus) {
		r.ExitCode, r.Reason, r.Message = ptr.To(code), reason, message
	}
}

// state returns the sync state of job with replicas at t0+now.
func state(job *mlv1alpha1.TrainingJob, now time.Duration, replicas ...workload.ReplicaStatus) *syncState {
	return newSyncState(job, replicas, t0.Add(now))
}

// deletedNames are the names of the pods s plans to delete.
func deletedNames(s *syncState) []string {
	var names []string
	for _, d := range s.deletes {
		names = append(names, d.replica.Name)
	}
	return names
}

// eventReasons are the reasons of the events s queued.
func eventReasons(s *syncState) []string {
	var reasons []string
	for _, e := range s.events {
		reasons = append(reasons, e.reason)
	}
	return reasons
}

// failedReason is the reason of the job's Failed condition.
func failedReason(job *mlv1alpha1.TrainingJob) string {
	if c := meta.FindStatusCondition(job.Status.Conditions, ConditionFailed); c != nil {
		return c.Reason
	}
	return ""
}
