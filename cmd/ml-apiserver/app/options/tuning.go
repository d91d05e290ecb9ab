package options

import (
	"fmt"

	"github.com/spf13/pflag"

	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/apiserver"
)

// TuningOptions cap the searches of TuningJobs: how many trials one may
// run in all and at once.
type TuningOptions struct {
	// MaxTrials caps spec.maxTrials.
	MaxTrials int32
	// MaxParallelTrials caps spec.parallelTrials.
	MaxParallelTrials int32
}

// NewTuningOptions returns the defaults.
func NewTuningOptions() *TuningOptions {
	return &TuningOptions{MaxTrials: validation.DefaultMaxTuningTrials, MaxParallelTrials: validation.DefaultMaxParallelTrials}
}

// AddFlags adds the TuningJob cap flags to fs.
func (o *TuningOptions) AddFlags(fs *pflag.FlagSet) {
	fs.Int32Var(&o.MaxTrials, "max-tuning-trials", o.MaxTrials,
		"Most trials one TuningJob may run (spec.maxTrials).")
	fs.Int32Var(&o.MaxParallelTrials, "max-parallel-trials", o.MaxParallelTrials,
		"Most trials one TuningJob may run at once (spec.parallelTrials).")
}

// Validate checks the TuningJob cap flags.
func (o *TuningOptions) Validate() []error {
	var errs []error
	if o.MaxTrials < 1 {
		errs = append(errs, fmt.Errorf("--max-tuning-trials must be at least 1, got %d", o.MaxTrials))
	}
	if o.MaxParallelTrials < 1 {
		errs = append(errs, fmt.Errorf("--max-parallel-trials must be at least 1, got %d", o.MaxParallelTrials))
	}
	return errs
}

// ApplyTo sets the TuningJob caps of the server's validation.
func (o *TuningOptions) ApplyTo(c *apiserver.ExtraConfig) {
	c.Validation.MaxTuningTrials = o.MaxTrials
	c.Validation.MaxParallelTrials = o.MaxParallelTrials
}
