package trainingjob

import (
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// countFailures counts every failed pod exactly once: in status.failed,
// and in status.restarts when it is going to be replaced. Past
// spec.backoffLimit failures the job fails.
//
// Counting is idempotent across syncs because the UIDs of the counted pods
// that still exist are kept in the job's CountedFailuresAnnotation, written
// with the status: a pod counted in an earlier sync (its UID in the stored
// annotation) is deleted so that the replicas step recreates it once it is
// gone; a pod counted now stays until the count is stored. A pod being
// deleted (suspend, scale down, cleanup) is not a failure. Once the job has
// ended nothing is counted, and the annotation goes.
func countFailures(s *syncState) {
	job := s.job
	if s.wasFinished {
		// Nothing is counted after the end.
		setCountedFailures(job, nil)
		return
	}
	stored := countedFailures(job)
	counted := sets.New[string]()
	var previously, newly []workload.ReplicaStatus
	for _, r := range s.replicas {
		switch {
		case stored.Has(r.UID):
			counted.Insert(r.UID)
			previously = append(previously, r)
		case r.Phase == workload.PhaseFailed && !r.Terminating:
			counted.Insert(r.UID)
			newly = append(newly, r)
		}
	}
	setCountedFailures(job, counted)

	if len(newly) > 0 {
		limit := backoffLimit(job)
		restarts := job.Status.Restarts
		job.Status.Failed += int32(len(newly))
		exceeded := job.Status.Failed > limit
		for _, r := range newly {
			s.newlyCounted.Insert(r.UID)
			then := fmt.Sprintf("not replacing it: %d failures exceed backoffLimit %d", job.Status.Failed, limit)
			if !exceeded {
				restarts++
				then = fmt.Sprintf("replacing it (restart %d, backoffLimit %d)", restarts, limit)
				if d := s.backoff.delay(job.Status.Failed); d > 0 {
					then = fmt.Sprintf("replacing it in %s (restart %d, backoffLimit %d)", d, restarts, limit)
				}
			}
			s.eventf(corev1.EventTypeWarning, EventPodFailed, "Pod %s failed%s; %s", r.Name, describeFailure(r), then)
		}
		last := newly[len(newly)-1]
		job.Status.LastFailure = &mlv1alpha1.ReplicaFailure{
			Replica: last.Name,
			// Rounded up to the second that the API keeps, so that the
			// back-off counted from it is never cut short.
			Time:     metav1.NewTime(s.now.Add(time.Second - 1).Truncate(time.Second)),
			Reason:   last.Reason,
			ExitCode: last.ExitCode,
			Message:  last.Cause(),
		}
		job.Status.Restarts = restarts
		if exceeded {
			s.finish(ConditionFailed, ReasonBackoffLimitExceeded,
				fmt.Sprintf("%d pod failures exceed the backoff limit of %d%s", job.Status.Failed, limit, lastFailure(job)))
			setCountedFailures(job, nil)
			return
		}
	}
	for _, r := range previously {
		s.deleteReplica(r, "replacing failed pods")
	}
}

// backoffLimit is spec.backoffLimit, the API default when unset.
func backoffLimit(job *mlv1alpha1.TrainingJob) int32 {
	if job.Spec.BackoffLimit == nil {
		return mlv1alpha1.DefaultBackoffLimit
	}
	return *job.Spec.BackoffLimit
}

// describeFailure says how a replica failed, for events: ": exit code 1:
// loss is nan".
func describeFailure(r workload.ReplicaStatus) string {
	if cause := r.Cause(); cause != "" {
		return ": " + cause
	}
	return ""
}

// lastFailure quotes status.lastFailure for a condition message: ";
// last: replica a-0: exit code 127 (StartError): exec: ...".
func lastFailure(job *mlv1alpha1.TrainingJob) string {
	f := job.Status.LastFailure
	if f == nil {
		return ""
	}
	if f.Message == "" {
		return "; last: replica " + f.Replica
	}
	return fmt.Sprintf("; last: replica %s: %s", f.Replica, f.Message)
}

// countedFailures reads the CountedFailuresAnnotation.
func countedFailures(job *mlv1alpha1.TrainingJob) sets.Set[string] {
	v := job.Annotations[mlv1alpha1.CountedFailuresAnnotation]
	if v == "" {
		return sets.New[string]()
	}
	return sets.New(strings.Split(v, ",")...)
}

// setCountedFailures writes the CountedFailuresAnnotation, sorted, and
// removes it when empty.
func setCountedFailures(job *mlv1alpha1.TrainingJob, uids sets.Set[string]) {
	if uids.Len() == 0 {
		delete(job.Annotations, mlv1alpha1.CountedFailuresAnnotation)
		return
	}
	if job.Annotations == nil {
		job.Annotations = map[string]string{}
	}
	list := sets.List(uids)
	slices.Sort(list)
	job.Annotations[mlv1alpha1.CountedFailuresAnnotation] = strings.Join(list, ",")
}
