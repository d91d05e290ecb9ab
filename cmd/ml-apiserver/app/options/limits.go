package options

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/apiserver"
	"ml.example.io/ml-apiserver/pkg/controller"
)

// LimitOptions are the caps every object is validated against. They apply
// in both modes; the bundled controllers hold forEach lists that are known
// only at run time to the same cap.
type LimitOptions struct {
	// MaxReplicas caps spec.replicas of TrainingJobs (and their
	// spec.elastic.maxReplicas) and of Models, the scale subresource
	// included.
	MaxReplicas int32
	// MaxForEachItems caps the instances of one forEach task.
	MaxForEachItems int32
	// MaxRunsHistory caps the history limits of RecurringRuns.
	MaxRunsHistory int32
	// MinRecurringInterval is the shortest interval of a RecurringRun.
	MinRecurringInterval time.Duration
	// MaxCatchUpRuns caps the missed runs a RecurringRun starts at once.
	MaxCatchUpRuns int32
}

// NewLimitOptions returns the defaults.
func NewLimitOptions() *LimitOptions {
	d := validation.DefaultOptions()
	return &LimitOptions{MaxReplicas: d.MaxReplicas, MaxForEachItems: d.MaxForEachItems, MaxRunsHistory: d.MaxRunsHistory,
		MinRecurringInterval: d.MinRecurringInterval, MaxCatchUpRuns: mlv1alpha1.MaxCatchUpRuns}
}

// AddFlags adds the cap flags to fs.
func (o *LimitOptions) AddFlags(fs *pflag.FlagSet) {
	fs.Int32Var(&o.MaxReplicas, "max-replicas", o.MaxReplicas,
		"Most replicas a TrainingJob (spec.replicas, spec.elastic.maxReplicas) or Model may ask for, through the object or its scale subresource. "+
			"Objects stored under a higher cap keep their counts but may not grow.")
	o.AddControllerFlags(fs)
	fs.Int32Var(&o.MaxRunsHistory, "max-runs-history", o.MaxRunsHistory,
		"Most finished runs of each outcome a RecurringRun may keep (spec.successfulRunsHistoryLimit, spec.failedRunsHistoryLimit).")
	fs.DurationVar(&o.MinRecurringInterval, "min-recurring-interval", o.MinRecurringInterval,
		"Shortest spec.schedule.interval of a RecurringRun: how often one RecurringRun may start a run.")
}

// AddControllerFlags adds the caps the controllers apply, alone, for the
// controller subcommand, which expands forEach lists and starts the missed
// runs of RecurringRuns but validates nothing.
func (o *LimitOptions) AddControllerFlags(fs *pflag.FlagSet) {
	fs.Int32Var(&o.MaxCatchUpRuns, "recurring-run-max-catch-up", o.MaxCatchUpRuns,
		"Most missed runs a RecurringRun with spec.catchUp starts at once after a pause or an outage, the latest ones, oldest first.")
	fs.Int32Var(&o.MaxForEachItems, "max-foreach", o.MaxForEachItems,
		"Most instances one forEach task of a pipeline may have: a longer literal list is refused, and a task whose list from a param or an upstream output is longer fails.")
}

// Validate checks the cap flags.
func (o *LimitOptions) Validate() []error {
	var errs []error
	if o.MaxReplicas < 1 {
		errs = append(errs, fmt.Errorf("--max-replicas must be at least 1, got %d", o.MaxReplicas))
	}
	if o.MaxRunsHistory < 1 {
		errs = append(errs, fmt.Errorf("--max-runs-history must be at least 1, got %d", o.MaxRunsHistory))
	}
	if o.MinRecurringInterval < time.Second {
		errs = append(errs, fmt.Errorf("--min-recurring-interval must be at least 1s, got %s", o.MinRecurringInterval))
	}
	if o.MaxCatchUpRuns < 1 {
		errs = append(errs, fmt.Errorf("--recurring-run-max-catch-up must be at least 1, got %d", o.MaxCatchUpRuns))
	}
	if o.MaxForEachItems < 1 {
		errs = append(errs, fmt.Errorf("--max-foreach must be at least 1, got %d", o.MaxForEachItems))
	}
	return errs
}

// ApplyTo sets the caps of the server's validation.
func (o *LimitOptions) ApplyTo(c *apiserver.ExtraConfig) {
	c.Validation = validation.Options{MaxReplicas: o.MaxReplicas, MaxForEachItems: o.MaxForEachItems, MaxRunsHistory: o.MaxRunsHistory,
		MinRecurringInterval: o.MinRecurringInterval}
}

// ApplyToController sets the forEach cap of the controllers.
func (o *LimitOptions) ApplyToController(c *controller.Config) {
	c.MaxForEachItems = o.MaxForEachItems
	c.MaxCatchUpRuns = o.MaxCatchUpRuns
}
