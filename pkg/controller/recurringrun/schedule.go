package recurringrun

import (
	"fmt"
	"time"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// maxCronSteps bounds the walk over a cron schedule's due times since the
// last run: a minutely schedule down for longer than this many minutes
// walks only the last maxCronWindow, which holds the runs catch-up may
// start anyway.
const (
	maxCronSteps  = 100000
	maxCronWindow = 7 * 24 * time.Hour
)

// schedule tells the due times of a RecurringRun.
type schedule interface {
	// Next returns the first due time strictly after t.
	Next(t time.Time) time.Time
}

// intervalSchedule is due at anchor + k*every, k >= 0.
type intervalSchedule struct {
	anchor time.Time
	every  time.Duration
}

func (s intervalSchedule) Next(t time.Time) time.Time {
	if t.Before(s.anchor) {
		return s.anchor
	}
	k := t.Sub(s.anchor)/s.every + 1
	return s.anchor.Add(k * s.every)
}

// parseSchedule returns the schedule of rr. An interval counts from
// spec.startTime, or from the creation of rr (not due at creation).
func parseSchedule(rr *mlv1alpha1.RecurringRun) (schedule, error) {
	s := rr.Spec.Schedule
	if s.Interval != nil {
		if s.Interval.Duration <= 0 {
			return nil, fmt.Errorf("spec.schedule.interval %s is not positive", s.Interval.Duration)
		}
		anchor := rr.CreationTimestamp.Add(s.Interval.Duration)
		if rr.Spec.StartTime != nil {
			anchor = rr.Spec.StartTime.Time
		}
		return intervalSchedule{anchor: anchor, every: s.Interval.Duration}, nil
	}
	tz := ""
	if s.TimeZone != nil {
		tz = *s.TimeZone
	}
	sched, err := mlv1alpha1.ParseCron(s.Cron, tz)
	if err != nil {
		return nil, fmt.Errorf("spec.schedule.cron %q: %w", s.Cron, err)
	}
	return sched, nil
}

// dueTimes returns the due times after since and at or before until,
// oldest first: all of them, or the latest keep when there are more
// (skipped counts those left out). next is the first due time after until.
func dueTimes(s schedule, since, until time.Time, keep int) (due []time.Time, skipped int, next time.Time) {
	if is, ok := s.(intervalSchedule); ok && until.Sub(since) > time.Duration(keep+1)*is.every {
		// Jump ahead: only the latest keep due times matter.
		from := until.Add(-time.Duration(keep) * is.every)
		skipped = countBetween(is, since, from)
		since = from
	}
	t := s.Next(since)
	for steps := 0; !t.After(until); steps++ {
		if steps == maxCronSteps && until.Sub(since) > maxCronWindow {
			since = until.Add(-maxCronWindow)
			skipped += len(due)
			due, steps = due[:0], 0
			t = s.Next(since)
			continue
		}
		due = append(due, t)
		t = s.Next(t)
	}
	if len(due) > keep {
		skipped += len(due) - keep
		due = due[len(due)-keep:]
	}
	return due, skipped, t
}

// countBetween counts the due times of s after since and at or before until.
func countBetween(s intervalSchedule, since, until time.Time) int {
	first := s.Next(since)
	if first.After(until) {
		return 0
	}
	return int(until.Sub(first)/s.every) + 1
}
