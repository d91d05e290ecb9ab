package logs

import "time"

// SetPollsForTest makes the follows of r look for new pods every rescan
// and ask a followed pod whether it ended every finish (with as much
// grace).
func SetPollsForTest(r *REST, rescan, finish time.Duration) {
	r.rescanPoll, r.finishPoll, r.finishGrace = rescan, finish, finish
}

// SetIdleForTest makes the follows of r that a shared pod watch tells of
// changes list pods and archive without a change every idle.
func SetIdleForTest(r *REST, idle time.Duration) {
	r.rescanIdle = idle
}
