package options

import (
	"fmt"

	"github.com/spf13/pflag"

	"ml.example.io/ml-apiserver/pkg/admission/plugin/pipelinerunresolve"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/nested"
)

// PipelineNestingOptions bound nested pipelines (tasks with pipelineRef),
// which the PipelineRunResolve admission plugin expands into a run's
// snapshot when the run is created.
type PipelineNestingOptions struct {
	// MaxDepth is how many pipelines deep pipelineRef tasks may nest.
	MaxDepth int32
	// MaxTasks is the most tasks a run's snapshot may hold once nested
	// pipelines are expanded.
	MaxTasks int32
}

// NewPipelineNestingOptions returns the defaults.
func NewPipelineNestingOptions() *PipelineNestingOptions {
	return &PipelineNestingOptions{MaxDepth: nested.DefaultMaxDepth, MaxTasks: nested.DefaultMaxTasks}
}

// AddFlags adds --max-pipeline-nesting-depth and --max-pipeline-tasks to fs.
func (o *PipelineNestingOptions) AddFlags(fs *pflag.FlagSet) {
	fs.Int32Var(&o.MaxDepth, "max-pipeline-nesting-depth", o.MaxDepth,
		"How many pipelines deep tasks with pipelineRef may nest: a PipelineRun whose pipeline nests deeper is refused (422).")
	fs.Int32Var(&o.MaxTasks, "max-pipeline-tasks", o.MaxTasks,
		"Most tasks (and finally tasks) a PipelineRun's pipeline may have once its nested pipelines are expanded: a run with more is refused (422).")
}

// Validate checks the flags.
func (o *PipelineNestingOptions) Validate() []error {
	var errs []error
	if o.MaxDepth < 0 {
		errs = append(errs, fmt.Errorf("--max-pipeline-nesting-depth must not be negative, got %d", o.MaxDepth))
	}
	if o.MaxTasks < 1 {
		errs = append(errs, fmt.Errorf("--max-pipeline-tasks must be at least 1, got %d", o.MaxTasks))
	}
	return errs
}

// Initializer gives the PipelineRunResolve admission plugin the limits.
func (o *PipelineNestingOptions) Initializer() pipelinerunresolve.NestingInitializer {
	return pipelinerunresolve.NestingInitializer{MaxDepth: o.MaxDepth, MaxTasks: o.MaxTasks}
}
