package recurringrun

import (
	"slices"
	"time"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// run is what the plan needs to know of one run of a RecurringRun.
type run struct {
	name string
	// scheduled is the time the run was due (its annotation, else its
	// creation).
	scheduled time.Time
	// finished says whether the run ended; succeeded whether it ended well.
	finished, succeeded bool
	// completion is when the run ended, if it did.
	completion *time.Time
}

// plan is what a sync does.
type plan struct {
	// create are the scheduled times to start runs for, oldest first.
	create []time.Time
	// skipped counts the due times passed over: beyond the catch-up cap,
	// or held back by the concurrency policy.
	skipped, skippedByPolicy int
	// replace are the active runs to delete before creating (Replace).
	replace []string
	// prune are the finished runs beyond the history limits.
	prune []string
	// lastSchedule is the latest due time handled (created or skipped);
	// zero when none was.
	lastSchedule time.Time
	// next is the next due time; zero when there is none (past endTime).
	next time.Time
}

// decide plans a sync of rr at now, given its runs.
func decide(rr *mlv1alpha1.RecurringRun, sched schedule, runs []run, now time.Time, maxCatchUp int) plan {
	var p plan
	p.prune = prune(rr, runs)
	until := now
	if end := rr.Spec.EndTime; end != nil && end.Time.Before(now) {
		until = end.Time
	}
	keep := 1
	if rr.Spec.CatchUp {
		keep = maxCatchUp
	}
	due, skipped, next := dueTimes(sched, since(rr), until, keep)
	if end := rr.Spec.EndTime; end == nil || !next.After(end.Time) {
		p.next = next
	}
	if rr.Spec.Suspend {
		// Missed times stay missed until the RecurringRun is resumed.
		return p
	}
	p.skipped = skipped
	active := 0
	var activeNames []string
	for _, r := range runs {
		if !r.finished {
			active++
			activeNames = append(activeNames, r.name)
		}
	}
	for _, t := range due {
		p.lastSchedule = t
		switch rr.Spec.ConcurrencyPolicy {
		case mlv1alpha1.ConcurrencyForbid:
			if active > 0 {
				p.skippedByPolicy++
				continue
			}
		case mlv1alpha1.ConcurrencyReplace:
			p.replace = append(p.replace, activeNames...)
			activeNames = nil
			// The run created before in this sync is replaced too.
			if n := len(p.create); n > 0 {
				p.create = p.create[:n-1]
			}
			active = 0
		default:
			if m := rr.Spec.MaxConcurrency; m != nil && int32(active) >= *m {
				p.skippedByPolicy++
				continue
			}
		}
		p.create = append(p.create, t)
		active++
	}
	return p
}

// since is the time after which due times are missed: the last schedule
// time, or the creation of rr; a startTime is due itself.
func since(rr *mlv1alpha1.RecurringRun) time.Time {
	s := rr.CreationTimestamp.Time
	if last := rr.Status.LastScheduleTime; last != nil && last.After(s) {
		s = last.Time
	}
	if st := rr.Spec.StartTime; st != nil && !st.Time.Add(-time.Nanosecond).Before(s) {
		s = st.Time.Add(-time.Nanosecond)
	}
	return s
}

// prune returns the finished runs beyond the history limits, oldest first.
func prune(rr *mlv1alpha1.RecurringRun, runs []run) []string {
	var succeeded, failed []run
	for _, r := range runs {
		switch {
		case !r.finished:
		case r.succeeded:
			succeeded = append(succeeded, r)
		default:
			failed = append(failed, r)
		}
	}
	var out []string
	for _, g := range []struct {
		runs  []run
		limit *int32
	}{{succeeded, rr.Spec.SuccessfulRunsHistoryLimit}, {failed, rr.Spec.FailedRunsHistoryLimit}} {
		if g.limit == nil || len(g.runs) <= int(*g.limit) {
			continue
		}
		slices.SortFunc(g.runs, func(a, b run) int { return a.scheduled.Compare(b.scheduled) })
		for _, r := range g.runs[:len(g.runs)-int(*g.limit)] {
			out = append(out, r.name)
		}
	}
	return out
}
