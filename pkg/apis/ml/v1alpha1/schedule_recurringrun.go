package v1alpha1

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// Bounds of a RecurringRun's schedule, shared by validation and the controller.
const (
	// MinRecurringInterval is the shortest spec.schedule.interval.
	MinRecurringInterval = 10 * time.Second
	// MaxCatchUpRuns is the most missed runs catchUp starts at once, oldest first.
	MaxCatchUpRuns = 10
	// RecurringRunNameSuffixLength is the length of "-<unix seconds>" a
	// RecurringRun appends to its name to name a run.
	RecurringRunNameSuffixLength = 11
)

// ParseCron parses a standard 5-field cron expression read in the IANA time
// zone tz ("" is the server's local zone), as kube-controller-manager's
// CronJob controller does. A CRON_TZ= or TZ= prefix is refused: the zone
// belongs in timeZone.
func ParseCron(expr, tz string) (cron.Schedule, error) {
	if len(expr) >= 3 && (expr[:3] == "TZ=" || (len(expr) >= 8 && expr[:8] == "CRON_TZ=")) {
		return nil, fmt.Errorf("set the time zone in timeZone, not in the expression")
	}
	if tz != "" {
		if _, err := time.LoadLocation(tz); err != nil {
			return nil, fmt.Errorf("unknown time zone %q: %w", tz, err)
		}
		expr = "CRON_TZ=" + tz + " " + expr
	}
	return cron.ParseStandard(expr)
}
