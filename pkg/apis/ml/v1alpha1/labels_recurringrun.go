package v1alpha1

// Labels and annotations of the runs a RecurringRun starts, so that
// `kubectl get plr -l ml.example.io/recurring-run=<name>` lists them.
const (
	// RecurringRunNameLabel is on every run a RecurringRun started: the
	// RecurringRun's name.
	RecurringRunNameLabel = "ml.example.io/recurring-run"
	// ScheduledTimeAnnotation is on every run a RecurringRun started: the
	// time it was due, RFC 3339 in UTC.
	ScheduledTimeAnnotation = "ml.example.io/scheduled-time"
	// ScheduleIndexAnnotation is on every run a RecurringRun started: its
	// $(schedule.index), from 0.
	ScheduleIndexAnnotation = "ml.example.io/schedule-index"
)
