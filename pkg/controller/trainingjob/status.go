package trainingjob

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// computeStatus fills in the job's status from the replicas that exist
// after this sync acted: the counts, the selector, the phase and the
// Running condition. The phase follows from the conditions and the
// replicas of this very sync, so it is never stale.
func computeStatus(s *syncState) {
	job := s.job
	st := &job.Status
	live := s.liveReplicas()
	n := totalReplicas(job)

	st.ObservedGeneration = job.Generation
	st.Selector = Selector(job.Name).String()
	st.Replicas, st.ReadyReplicas = 0, 0
	var running, succeeded, waiting int32
	var waitingMessage, problem string
	for _, r := range live {
		st.Replicas++
		switch {
		case r.Phase == workload.PhasePending && r.Reason == workload.ReasonWaitingForProcessSlot:
			waiting++
			waitingMessage = r.Message
		case r.Phase == workload.PhasePending && r.Reason != "" && problem == "":
			// What keeps it from running: an image that cannot be
			// pulled, no node to schedule it on.
			problem = fmt.Sprintf("; replica %s: %s", r.Name, r.Cause())
		}
		if r.Ready {
			st.ReadyReplicas++
		}
		switch r.Phase {
		case workload.PhaseRunning:
			running++
		case workload.PhaseSucceeded:
			if i, ok := replicaIndex(job, r); ok && i < n {
				succeeded++
			}
		}
	}
	// Once the job has ended its pods may be cleaned up: the count of
	// succeeded replicas is what it was at the end.
	if !s.wasFinished {
		st.Succeeded = succeeded
	}

	switch end := finished(job); {
	case end == ConditionComplete:
		st.Phase = mlv1alpha1.TrainingJobSucceeded
		s.setCondition(ConditionRunning, metav1.ConditionFalse, ReasonSucceeded, "The job has ended")
	case end == ConditionFailed:
		st.Phase = mlv1alpha1.TrainingJobFailed
		s.setCondition(ConditionRunning, metav1.ConditionFalse, meta.FindStatusCondition(st.Conditions, ConditionFailed).Reason, "The job has ended")
	case job.Spec.Suspend:
		st.Phase = mlv1alpha1.TrainingJobSuspended
		s.setCondition(ConditionRunning, metav1.ConditionFalse, ReasonSuspended, "The job is suspended")
	case running > 0 || succeeded > 0:
		st.Phase = mlv1alpha1.TrainingJobRunning
		msg := fmt.Sprintf("%d of %d replicas running, %d succeeded", running, n, succeeded)
		if waiting > 0 {
			msg += fmt.Sprintf("; %d %s", waiting, waitingMessage)
		}
		if s.backingOff != "" {
			msg += "; " + s.backingOff
		}
		s.setCondition(ConditionRunning, metav1.ConditionTrue, ReasonReplicasRunning, msg+problem)
	case s.backingOff != "":
		st.Phase = mlv1alpha1.TrainingJobPending
		s.setCondition(ConditionRunning, metav1.ConditionFalse, ReasonBackOff, capitalize(s.backingOff))
	case waiting > 0:
		st.Phase = mlv1alpha1.TrainingJobPending
		s.setCondition(ConditionRunning, metav1.ConditionFalse, ReasonWaitingForProcessSlot,
			fmt.Sprintf("Waiting for %d replicas to start; %d %s", n, waiting, waitingMessage))
	default:
		st.Phase = mlv1alpha1.TrainingJobPending
		s.setCondition(ConditionRunning, metav1.ConditionFalse, ReasonReplicasPending,
			fmt.Sprintf("Waiting for %d replicas to start%s", n, problem))
	}
}

// capitalize makes a message a sentence.
func capitalize(msg string) string {
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}

// liveReplicas are the replicas after this sync acted: those observed
// that are not being deleted and were not deleted now, and the ones
// created now, which are pending.
func (s *syncState) liveReplicas() []workload.ReplicaStatus {
	var live []workload.ReplicaStatus
	for _, r := range s.replicas {
		if !r.Terminating && !s.deleted.Has(r.UID) {
			live = append(live, r)
		}
	}
	for _, i := range s.creates {
		if s.created.Has(i) {
			sl := slotOf(s.job, i)
			live = append(live, workload.ReplicaStatus{
				Name:   sl.podName(s.job.Name),
				Labels: sl.labels(),
				Phase:  workload.PhasePending,
			})
		}
	}
	return live
}

// Selector selects the pods of the job named name: the status.selector
// that the scale subresource reports.
func Selector(name string) labels.Selector {
	return labels.SelectorFromSet(labels.Set{mlv1alpha1.TrainingJobNameLabel: name})
}
