package options

import (
	"fmt"

	"github.com/spf13/pflag"

	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/apiserver"
	"ml.example.io/ml-apiserver/pkg/controller"
)

// DefaultMaxTasksPage is the default of --max-tasks-page.
const DefaultMaxTasksPage = 1000

// FanOutOptions bound wide PipelineRuns: the forEach instances of one run
// (--max-foreach bounds one task) and the pages of the tasks subresource
// that serves them.
type FanOutOptions struct {
	// MaxRunInstances caps the forEach instances of one run.
	MaxRunInstances int32
	// MaxTasksPage caps the instances of one page of GET
	// .../pipelineruns/NAME/tasks.
	MaxTasksPage int64
}

// NewFanOutOptions returns the defaults.
func NewFanOutOptions() *FanOutOptions {
	return &FanOutOptions{MaxRunInstances: validation.DefaultMaxRunInstances, MaxTasksPage: DefaultMaxTasksPage}
}

// AddFlags adds the flags of the API server.
func (o *FanOutOptions) AddFlags(fs *pflag.FlagSet) {
	o.AddControllerFlags(fs)
	fs.Int64Var(&o.MaxTasksPage, "max-tasks-page", o.MaxTasksPage,
		"Most forEach instances one page of GET .../pipelineruns/NAME/tasks returns; a larger limit is lowered to it, and metadata.continue reads on.")
}

// AddControllerFlags adds the cap the PipelineRun controller applies too,
// for the controller subcommand.
func (o *FanOutOptions) AddControllerFlags(fs *pflag.FlagSet) {
	fs.Int32Var(&o.MaxRunInstances, "max-run-instances", o.MaxRunInstances,
		"Most forEach instances one PipelineRun may have, its tasks together: a pipeline whose literal lists pass it is refused, "+
			"and a task whose list, read at run time, would pass it fails.")
}

// Validate checks the flags.
func (o *FanOutOptions) Validate() []error {
	var errs []error
	if o.MaxRunInstances < 1 {
		errs = append(errs, fmt.Errorf("--max-run-instances must be at least 1, got %d", o.MaxRunInstances))
	}
	if o.MaxTasksPage < 1 {
		errs = append(errs, fmt.Errorf("--max-tasks-page must be at least 1, got %d", o.MaxTasksPage))
	}
	return errs
}

// ApplyTo sets the caps of the server; it must come after
// LimitOptions.ApplyTo, which sets the rest of validation.Options.
func (o *FanOutOptions) ApplyTo(c *apiserver.ExtraConfig) {
	c.Validation.MaxRunInstances = o.MaxRunInstances
	c.MaxTasksPage = o.MaxTasksPage
}

// ApplyToController sets the cap of the PipelineRun controller.
func (o *FanOutOptions) ApplyToController(c *controller.Config) {
	c.MaxRunInstances = o.MaxRunInstances
}
