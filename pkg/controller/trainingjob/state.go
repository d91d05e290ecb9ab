package trainingjob

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// syncState is one sync of one job: what was observed, what the steps
// decided, and what acting on the decisions did.
type syncState struct {
	// job is a deep copy of the stored job; steps write its status and
	// the CountedFailuresAnnotation.
	job *mlv1alpha1.TrainingJob
	now metav1.Time
	// wasFinished says that the stored job had ended, so that acting on
	// the end (cleanup, TTL) can never be undone by a lost status write.
	wasFinished bool
	// backoff delays the replacement of failed replicas.
	backoff backoff
	// replicas are the job's pods, as the runtime's cache has them.
	replicas []workload.ReplicaStatus
	// byIndex are the replicas whose name and index label agree.
	byIndex map[int32]workload.ReplicaStatus

	// Decisions.
	newlyCounted  sets.Set[string]
	creates       []int32
	deletes       []deletion
	ensureService bool
	deleteJob     bool
	requeueAfter  time.Duration
	events        []event
	// backingOff says why replicas are held back, for the Running
	// condition; empty when none are.
	backingOff string

	// Results of acting: the indices whose pod was created (or found
	// existing), and the UIDs of the pods that were deleted.
	created sets.Set[int32]
	deleted sets.Set[string]
}

// deletion is a pod to delete and why, for the event.
type deletion struct {
	replica workload.ReplicaStatus
	why     string
}

// event is an event to emit once the status was written.
type event struct {
	eventType, reason, message string
}

func newSyncState(job *mlv1alpha1.TrainingJob, replicas []workload.ReplicaStatus, now time.Time) *syncState {
	s := &syncState{
		job:          job,
		now:          metav1.NewTime(now),
		wasFinished:  finished(job) != "",
		replicas:     replicas,
		byIndex:      map[int32]workload.ReplicaStatus{},
		newlyCounted: sets.New[string](),
		created:      sets.New[int32](),
		deleted:      sets.New[string](),
	}
	for _, r := range replicas {
		if i, ok := replicaIndex(job, r); ok {
			s.byIndex[i] = r
		}
	}
	return s
}

// PodName is the name of the pod (and the hostname) of replica index of a job.
func PodName(jobName string, index int32) string {
	return fmt.Sprintf("%s-%d", jobName, index)
}

// replicaIndex returns the number of a replica of job (see layout): from
// its index (and role) labels, when the replica's name is the pod name of
// that replica.
func replicaIndex(job *mlv1alpha1.TrainingJob, r workload.ReplicaStatus) (int32, bool) {
	s, ok := parseSlot(r.Labels)
	if !ok || r.Name != s.podName(job.Name) {
		return 0, false
	}
	return numberOf(job, s)
}

// desiredReplicas is spec.replicas, 1 when unset.
func desiredReplicas(job *mlv1alpha1.TrainingJob) int32 {
	if job.Spec.Replicas == nil {
		return 1
	}
	return *job.Spec.Replicas
}

// finished returns the condition type (Complete or Failed) that ended the
// job, or "" while it has not ended.
func finished(job *mlv1alpha1.TrainingJob) string {
	for _, t := range []string{ConditionComplete, ConditionFailed} {
		if meta.IsStatusConditionTrue(job.Status.Conditions, t) {
			return t
		}
	}
	return ""
}

// setCondition sets a condition of the job, for its current generation.
// The transition time moves only when the status changes.
func (s *syncState) setCondition(condType string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&s.job.Status.Conditions, metav1.Condition{
		Type:               condType,
		Status:             status,
		Reason:             reason,
		Message:            message,
		ObservedGeneration: s.job.Generation,
		LastTransitionTime: s.now,
	})
}

// finish ends the job with condType (Complete or Failed) true.
func (s *syncState) finish(condType, reason, message string) {
	s.setCondition(condType, metav1.ConditionTrue, reason, message)
	s.job.Status.CompletionTime = s.now.DeepCopy()
	// Succeeded, as every kind that finishes has it, for `kubectl wait
	// --for=condition=Succeeded`; Complete stays for Job users.
	s.setCondition(ConditionSucceeded, succeeded(condType == ConditionComplete), reason, message)
	if condType == ConditionComplete {
		s.job.Status.Phase = mlv1alpha1.TrainingJobSucceeded
		s.eventf(corev1.EventTypeNormal, EventCompleted, "%s", message)
		return
	}
	s.job.Status.Phase = mlv1alpha1.TrainingJobFailed
	s.eventf(corev1.EventTypeWarning, reason, "%s", message)
}

func succeeded(ok bool) metav1.ConditionStatus {
	if ok {
		return metav1.ConditionTrue
	}
	return metav1.ConditionFalse
}

// active says whether the job should have pods: it has not ended and is
// not suspended.
func (s *syncState) active() bool {
	return finished(s.job) == "" && !s.job.Spec.Suspend
}

// requeue asks for another sync after d, keeping the earliest request.
func (s *syncState) requeue(d time.Duration) {
	if d > 0 && (s.requeueAfter == 0 || d < s.requeueAfter) {
		s.requeueAfter = d
	}
}

// deleteReplica plans to delete r, unless it is going already, was
// planned, or was counted as failed in this sync (it stays until the count
// is stored).
func (s *syncState) deleteReplica(r workload.ReplicaStatus, why string) {
	if r.Terminating || s.newlyCounted.Has(r.UID) {
		return
	}
	for _, d := range s.deletes {
		if d.replica.UID == r.UID {
			return
		}
	}
	s.deletes = append(s.deletes, deletion{replica: r, why: why})
}

// eventf queues an event for after the status write.
func (s *syncState) eventf(eventType, reason, format string, args ...any) {
	s.events = append(s.events, event{eventType: eventType, reason: reason, message: fmt.Sprintf(format, args...)})
}
