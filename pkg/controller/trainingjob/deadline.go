package trainingjob

import (
	"fmt"
	"time"
)

// checkDeadline fails a running job whose time since status.startTime
// reached spec.activeDeadlineSeconds, and otherwise asks for a sync when it
// will. Suspended jobs have no start time, so their clock is stopped.
func checkDeadline(s *syncState) {
	job := s.job
	if !s.active() || job.Spec.ActiveDeadlineSeconds == nil || job.Status.StartTime == nil {
		return
	}
	seconds := *job.Spec.ActiveDeadlineSeconds
	deadline := job.Status.StartTime.Add(time.Duration(seconds) * time.Second)
	if left := deadline.Sub(s.now.Time); left > 0 {
		s.requeue(left)
		return
	}
	s.finish(ConditionFailed, ReasonDeadlineExceeded,
		fmt.Sprintf("The job was active longer than activeDeadlineSeconds (%ds)", seconds))
}
