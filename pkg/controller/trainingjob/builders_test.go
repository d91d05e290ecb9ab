package trainingjob

import (
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

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

// jobWrapper builds a v1alpha1 TrainingJob with the defaults the API
// server sets.
type jobWrapper struct{ job mlv1alpha1.TrainingJob }

func makeJob(name string) *jobWrapper {
	return &jobWrapper{job: mlv1alpha1.TrainingJob{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: "ns", UID: types.UID("uid-" + name),
			Generation: 1, ResourceVersion: "1",
		},
		Spec: mlv1alpha1.TrainingJobSpec{
			Framework:      mlv1alpha1.FrameworkGeneric,
			Replicas:       ptr.To[int32](1),
			ContainerSpec:  mlv1alpha1.ContainerSpec{Image: "trainer:1", Command: []string{"python", "train.py"}},
			MasterPort:     ptr.To(mlv1alpha1.DefaultMasterPort),
			BackoffLimit:   ptr.To(mlv1alpha1.DefaultBackoffLimit),
			CleanPodPolicy: mlv1alpha1.CleanPodPolicyRunning,
		},
	}}
}

func (w *jobWrapper) obj() *mlv1alpha1.TrainingJob { return w.job.DeepCopy() }

func (w *jobWrapper) replicas(n int32) *jobWrapper {
	w.job.Spec.Replicas = ptr.To(n)
	return w
}

func (w *jobWrapper) framework(f mlv1alpha1.Framework) *jobWrapper {
	w.job.Spec.Framework = f
	return w
}

func (w *jobWrapper) elastic(lo, hi int32) *jobWrapper {
	w.job.Spec.Elastic = &mlv1alpha1.ElasticPolicy{MinReplicas: ptr.To(lo), MaxReplicas: ptr.To(hi)}
	return w
}

func (w *jobWrapper) backoffLimit(n int32) *jobWrapper {
	w.job.Spec.BackoffLimit = ptr.To(n)
	return w
}

func (w *jobWrapper) deadline(seconds int64) *jobWrapper {
	w.job.Spec.ActiveDeadlineSeconds = ptr.To(seconds)
	return w
}

func (w *jobWrapper) ttl(seconds int32) *jobWrapper {
	w.job.Spec.TTLSecondsAfterFinished = ptr.To(seconds)
	return w
}

func (w *jobWrapper) suspend() *jobWrapper {
	w.job.Spec.Suspend = true
	return w
}

func (w *jobWrapper) cleanPodPolicy(p mlv1alpha1.CleanPodPolicy) *jobWrapper {
	w.job.Spec.CleanPodPolicy = p
	return w
}

func (w *jobWrapper) started(t *metav1.Time) *jobWrapper {
	w.job.Status.StartTime = t
	return w
}

func (w *jobWrapper) completed(t *metav1.Time) *jobWrapper {
	w.job.Status.CompletionTime = t
	return w
}

func (w *jobWrapper) failures(failed, restarts int32) *jobWrapper {
	w.job.Status.Failed, w.job.Status.Restarts = failed, restarts
	return w
}

func (w *jobWrapper) succeeded(n int32) *jobWrapper {
	w.job.Status.Succeeded = n
	return w
}

func (w *jobWrapper) phase(p mlv1alpha1.TrainingJobPhase) *jobWrapper {
	w.job.Status.Phase = p
	return w
}

func (w *jobWrapper) counted(uids string) *jobWrapper {
	if w.job.Annotations == nil {
		w.job.Annotations = map[string]string{}
	}
	w.job.Annotations[mlv1alpha1.CountedFailuresAnnotation] = uids
	return w
}

func (w *jobWrapper) condition(condType string, status metav1.ConditionStatus, reason string, since time.Duration) *jobWrapper {
	meta.SetStatusCondition(&w.job.Status.Conditions, metav1.Condition{
		Type: condType, Status: status, Reason: reason, ObservedGeneration: w.job.Generation,
		LastTransitionTime: *at(since),
	})
	return w
}

// complete marks the job Succeeded at t0+since.
func (w *jobWrapper) complete(since time.Duration) *jobWrapper {
	return w.condition(ConditionComplete, metav1.ConditionTrue, ReasonSucceeded, since).
		completed(at(since)).phase(mlv1alpha1.TrainingJobSucceeded)
}

// failed marks the job Failed with reason at t0+since.
func (w *jobWrapper) failed(reason string, since time.Duration) *jobWrapper {
	return w.condition(ConditionFailed, metav1.ConditionTrue, reason, since).
		completed(at(since)).phase(mlv1alpha1.TrainingJobFailed)
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
