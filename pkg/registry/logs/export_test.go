package logs

import "time"

// SetPollsForTest makes the follows of r look for new pods every rescan
// and ask a followed pod whether it ended every finish (with as much
// grace).
func SetPollsForTest(r *REST, rescan, finish time.Duration) {
	r.rescanPoll, r.finishPoll, r.finishGrace = rescan, finish, finish
}
