package options

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"

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
}

// NewLimitOptions returns the defaults.
func NewLimitOptions() *LimitOptions {
	d := validation.DefaultOptions()
	return &LimitOptions{MaxReplicas: d.MaxReplicas, MaxForEachItems: d.MaxForEachItems, MaxRunsHistory: d.MaxRunsHistory,
		MinRecurringInterval: d.MinRecurringInterval}
}

// AddFlags adds the cap flags to fs.
func (o *LimitOptions) AddFlags(fs *pflag.FlagSet) {
	fs.Int32Var(&o.MaxReplicas, "max-replicas", o.MaxReplicas,
		"Most replicas a TrainingJob (spec.replicas, spec.elastic.maxReplicas) or Model may ask for, through the object or its scale subresource. "+
			"Objects stored under a higher cap keep their counts but may not grow.")
	o.AddForEachFlag(fs)
	fs.Int32Var(&o.MaxRunsHistory, "max-runs-history", o.MaxRunsHistory,
		"Most finished runs of each outcome a RecurringRun may keep (spec.successfulRunsHistoryLimit, spec.failedRunsHistoryLimit).")
	fs.DurationVar(&o.MinRecurringInterval, "min-recurring-interval", o.MinRecurringInterval,
		"Shortest spec.schedule.interval of a RecurringRun: how often one RecurringRun may start a run.")
}

// AddForEachFlag adds --max-foreach alone, for the controller subcommand,
// which expands forEach lists but validates nothing.
func (o *LimitOptions) AddForEachFlag(fs *pflag.FlagSet) {
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
}
