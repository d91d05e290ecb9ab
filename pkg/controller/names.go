package controller

import (
	"fmt"
	"slices"
	"strings"

	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	controllermanagerapp "k8s.io/controller-manager/app"
)

// The names of the controllers, for --controllers.
const (
	TrainingJobController = "trainingjob"
	ModelController       = "model"
	NotebookController    = "notebook"
	PipelineRunController = "pipelinerun"
	// RecurringRunController starts the runs of RecurringRuns on their
	// schedule.
	RecurringRunController = "recurringrun"
	// TuningJobController runs the trials of TuningJobs.
	TuningJobController = "tuningjob"
	// MetricsController collects StdOut metrics and grants jobs' pods
	// the right to push theirs.
	MetricsController = "metrics"
	// LogArchiveController archives the logs of ended pods.
	LogArchiveController = "logarchive"
	// LatestMetricsController writes status.latestMetrics of TrainingJobs
	// from the metric store.
	LatestMetricsController = "latestmetrics"
	// LogArchiveSweepController deletes the archived logs of deleted
	// objects.
	LogArchiveSweepController = "logarchivesweep"
	// QuotaUsageController recomputes the MLQuota admission plugin's usage
	// records from the objects.
	QuotaUsageController = "quotausage"
	// ProfileController keeps each Profile's namespace, member
	// RoleBindings, quota and network policy.
	ProfileController = "profile"
)

// KnownControllers are the names --controllers accepts, in start order:
// those of the initializers table.
var KnownControllers = initializerNames(initializers)

func initializerNames(inits []initializer) []string {
	names := make([]string, 0, len(inits))
	for _, i := range inits {
		names = append(names, i.name)
	}
	return names
}

// ValidateControllers checks a --controllers list: "*" (every controller),
// a name (enable it) or -name (disable it).
func ValidateControllers(list []string) error {
	var errs []error
	for _, entry := range list {
		name := strings.TrimPrefix(entry, "-")
		if entry == "*" || slices.Contains(KnownControllers, name) {
			continue
		}
		errs = append(errs, fmt.Errorf("--controllers: unknown controller %q, known: *, %s (prefix a name with - to disable it)",
			entry, strings.Join(KnownControllers, ", ")))
	}
	return utilerrors.NewAggregate(errs)
}

// EnabledControllers returns the known controllers a --controllers list
// enables, in start order, as kube-controller-manager reads its list: the
// first entry naming a controller decides (name: on, -name: off), and
// otherwise it is on when the list has "*". No controller is off by
// default.
func EnabledControllers(list []string) []string {
	var enabled []string
	for _, name := range KnownControllers {
		if controllermanagerapp.IsControllerEnabled(name, nil, list) {
			enabled = append(enabled, name)
		}
	}
	return enabled
}
