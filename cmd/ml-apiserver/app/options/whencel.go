package options

import (
	"fmt"

	"github.com/spf13/pflag"

	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/apiserver"
	"ml.example.io/ml-apiserver/pkg/controller"
)

// WhenCELOptions bound the CEL when conditions of pipelines: admission
// refuses a condition whose estimated cost passes the limit, and the
// PipelineRun controller stops an evaluation that passes it.
type WhenCELOptions struct {
	// CostLimit is the most a CEL when condition may cost.
	CostLimit int64
}

// NewWhenCELOptions returns the defaults.
func NewWhenCELOptions() *WhenCELOptions {
	return &WhenCELOptions{CostLimit: validation.DefaultWhenCELCostLimit}
}

// AddFlags adds --max-when-cel-cost to fs; the API server and the
// controller subcommand both have it, and should agree.
func (o *WhenCELOptions) AddFlags(fs *pflag.FlagSet) {
	fs.Int64Var(&o.CostLimit, "max-when-cel-cost", o.CostLimit,
		"Most a CEL when condition of a pipeline task may cost, in CEL cost units: a condition whose estimated worst case is higher is refused, "+
			"and an evaluation that costs more fails the task.")
}

// Validate checks the flag.
func (o *WhenCELOptions) Validate() []error {
	if o.CostLimit < 1 {
		return []error{fmt.Errorf("--max-when-cel-cost must be at least 1, got %d", o.CostLimit)}
	}
	return nil
}

// ApplyTo sets the limit of the server's validation; it must come after
// LimitOptions.ApplyTo, which sets the rest of validation.Options.
func (o *WhenCELOptions) ApplyTo(c *apiserver.ExtraConfig) {
	c.Validation.WhenCELCostLimit = o.CostLimit
}

// ApplyToController sets the limit of the PipelineRun controller.
func (o *WhenCELOptions) ApplyToController(c *controller.Config) {
	c.WhenCELCostLimit = o.CostLimit
}
