package storage

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

func newTableConvertor() registryutil.TableConvertor[*ml.RecurringRun] {
	return registryutil.TableConvertor[*ml.RecurringRun]{
		Columns: []metav1.TableColumnDefinition{
			registryutil.NameColumn(),
			registryutil.Column("Schedule", "string", "The cron expression (and time zone) or the interval."),
			registryutil.Column("Suspend", "boolean", "Whether new runs are held back."),
			registryutil.Column("Active", "integer", "The number of runs not yet finished."),
			registryutil.Column("Last", "string", "The time since the latest run was scheduled."),
			registryutil.Column("Next", "string", "The time until the next run is due."),
			registryutil.AgeColumn(),
			registryutil.WideColumn("Kind", "string", "The kind of run started: PipelineRun or TrainingJob."),
		},
		Cells: recurringRunCells,
	}
}

func recurringRunCells(rr *ml.RecurringRun, now time.Time) []any {
	kind := "PipelineRun"
	if rr.Spec.RunTemplate.TrainingJob != nil {
		kind = "TrainingJob"
	}
	return []any{
		rr.Name,
		scheduleString(&rr.Spec.Schedule),
		rr.Spec.Suspend,
		int64(len(rr.Status.Active)),
		registryutil.Since(rr.Status.LastScheduleTime, now),
		until(rr.Status.NextScheduleTime, now),
		registryutil.Age(rr.CreationTimestamp, now),
		kind,
	}
}

// scheduleString is the schedule as a user wrote it: the cron expression,
// its time zone in brackets, or "every <interval>".
func scheduleString(s *ml.RecurringSchedule) string {
	switch {
	case s.Interval != nil:
		return "every " + s.Interval.Duration.String()
	case s.TimeZone != nil:
		return s.Cron + " (" + *s.TimeZone + ")"
	}
	return s.Cron
}

// until formats the time from now to t, "" when t is unset and "now" when
// it is due.
func until(t *metav1.Time, now time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	if d := t.Sub(now); d > 0 {
		return "in " + duration.HumanDuration(d)
	}
	return "now"
}
