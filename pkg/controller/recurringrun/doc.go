// Package recurringrun is the RecurringRun controller: it starts a
// PipelineRun or TrainingJob from spec.runTemplate each time the schedule
// (a cron expression in a time zone, or an interval) is due.
//
// A run is named <recurringrun>-<unix seconds of its scheduled time>, is
// labeled ml.example.io/recurring-run=<recurringrun> and is owned by the
// RecurringRun (a controller ownerReference). Creating a run that exists
// already is success, so a controller that restarts, or crashed between
// creating a run and writing status.lastScheduleTime, never starts a run
// twice.
//
// At each sync the due times after status.lastScheduleTime (or after
// creation, or from spec.startTime) up to now and spec.endTime are the
// missed runs: with catchUp the latest MaxCatchUpRuns of them are started,
// oldest first, otherwise only the latest. While spec.suspend is true no
// run starts and the due times stay missed. concurrencyPolicy decides what
// happens while runs are active: Allow starts (up to maxConcurrency
// active runs, skipping beyond), Forbid skips, Replace deletes the active
// runs first. Finished runs beyond successfulRunsHistoryLimit and
// failedRunsHistoryLimit are deleted, oldest first. The sync requeues the
// RecurringRun at its next due time. When a RecurringRun is deleted, the
// controller deletes its runs (orphans.go): standalone mode has no garbage
// collector.
//
// plan (schedule.go, plan.go) is pure and decides everything from the
// RecurringRun, its runs and the time; sync.go acts on the decision.
package recurringrun
