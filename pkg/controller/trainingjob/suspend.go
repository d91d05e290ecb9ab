package trainingjob

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// suspendOrStart handles spec.suspend of a job that has not ended. A
// suspended job loses its pods and its start time, so that, as for
// batch/v1 Jobs, activeDeadlineSeconds counts again from the resume; the
// Suspended condition turns true. A job that is not suspended gets a start
// time, and a Suspended condition that was true turns false.
func suspendOrStart(s *syncState) {
	if finished(s.job) != "" {
		return
	}
	st := &s.job.Status
	wasSuspended := meta.IsStatusConditionTrue(st.Conditions, ConditionSuspended)
	if s.job.Spec.Suspend {
		for _, r := range s.replicas {
			s.deleteReplica(r, "the job is suspended")
		}
		st.StartTime = nil
		s.setCondition(ConditionSuspended, metav1.ConditionTrue, ReasonSuspended, "The job is suspended: its pods are deleted")
		if !wasSuspended {
			s.eventf(corev1.EventTypeNormal, ReasonSuspended, "Job suspended: deleting its pods")
		}
		return
	}
	if wasSuspended {
		s.setCondition(ConditionSuspended, metav1.ConditionFalse, ReasonResumed, "The job was resumed")
		s.eventf(corev1.EventTypeNormal, ReasonResumed, "Job resumed: recreating its pods")
	}
	if st.StartTime == nil {
		st.StartTime = s.now.DeepCopy()
	}
}
