// Package compare is `kubectl ml compare`: training jobs and pipeline runs
// side by side — their parameters, metrics, duration and phase — for the
// trials of a TuningJob (tun/NAME), an experiment (objects labelled
// ml.example.io/experiment=NAME), a label selector or a list of names,
// sorted by a metric, with the series of one metric charted together.
package compare

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/util"
)

const example = `  # The trials of a tuning job, best first by its objective, with a chart of the loss
  kubectl ml compare tun/lr-search --chart loss

  # Every training job and pipeline run of an experiment, by validation accuracy, highest first
  kubectl ml compare --experiment resnet-baselines --sort-by val_accuracy --reverse

  # Two training jobs, with the minimum and maximum of every metric
  kubectl ml compare tj/mnist-a tj/mnist-b -o wide

  # Whatever a label selects
  kubectl ml compare -l team=vision --sort-by loss.min`

// compared are the resources compare shows; a TuningJob stands for its
// trials.
var compared = []string{"trainingjobs", "pipelineruns"}

// tuningJobs is the resource whose objects stand for their trials.
const tuningJobs = "tuningjobs"

// Options are the flags and state of `kubectl ml compare`.
type Options struct {
	Selector   string
	Experiment string
	SortBy     string
	Reverse    bool
	Metrics    []string
	Output     string
	Chart      string
	Width      int
	Height     int
	// Now is the end of the durations of running objects.
	Now func() time.Time

	// args are the objects named on the command line, targets what they
	// resolve to.
	args      []string
	namespace string
	targets   []util.Target
	dynamic   dynamic.Interface
	client    rest.Interface
	genericiooptions.IOStreams
}

// NewCmdCompare returns the compare command; flags give the namespace.
func NewCmdCompare(f *util.Factory, flags genericclioptions.RESTClientGetter, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{Height: 12, Now: time.Now, IOStreams: streams}
	cmd := &cobra.Command{
		Use:                   "compare (tun/NAME | KIND/NAME ... | -l SELECTOR | --experiment NAME) [--sort-by KEY] [--chart METRIC]",
		DisableFlagsInUseLine: true,
		Short:                 "Compare training jobs and pipeline runs: parameters, metrics, duration and phase",
		Long: `Compare training jobs and pipeline runs side by side: one row each, with
its phase, duration, parameters and the last value of each metric.

What to compare:
  tun/NAME                 the trials of a TuningJob (the objects labelled
                           ml.example.io/tuning-job=NAME), sorted by its
                           objective, best first, with a METRIC.best column
  tj/NAME plr/NAME ...     these training jobs and pipeline runs
  -l SELECTOR              the training jobs and pipeline runs it selects
  --experiment NAME        those labelled ml.example.io/experiment=NAME, the
                           grouping Kubeflow Pipelines calls an experiment

Parameters are a trial's (its ml.example.io/trial-parameters annotation), a
pipeline run's params, or a training job's --name=value arguments. Those
with the same value in every row are listed once under the table. Metrics
are every series of the metrics subresource but progress counters (epoch,
step, ...), or those --metrics names; a pipeline run's are TASK/NAME.

--sort-by takes any column: a metric (its last value), METRIC.min,
METRIC.max, a parameter, name, phase or duration. Rows without a value sort
last. Without --sort-by the rows are oldest first (a TuningJob's trials by
its objective).`,
		Example: example,
		RunE: func(c *cobra.Command, args []string) error {
			// The flags first: their errors need no server.
			o.args = args
			if err := o.Validate(); err != nil {
				return cmdutil.UsageErrorf(c, "%v", err)
			}
			if err := o.Complete(f, flags, args); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	cmd.Flags().StringVarP(&o.Selector, "selector", "l", o.Selector, "Compare the training jobs and pipeline runs this label selector selects (e.g. -l key1=value1,key2=value2).")
	cmd.Flags().StringVar(&o.Experiment, "experiment", o.Experiment, "Compare the training jobs and pipeline runs labelled "+mlv1alpha1.ExperimentLabel+"=NAME.")
	cmd.Flags().StringVar(&o.SortBy, "sort-by", o.SortBy, "Sort by this column: a metric (its last value), METRIC.min, METRIC.max, a parameter, name, phase or duration.")
	cmd.Flags().BoolVar(&o.Reverse, "reverse", o.Reverse, "Sort from the largest value down.")
	cmd.Flags().StringSliceVar(&o.Metrics, "metrics", o.Metrics, "Only these metric series, comma separated (TASK/NAME for a pipeline run's task).")
	cmd.Flags().StringVarP(&o.Output, "output", "o", o.Output, "Output format: wide adds METRIC.min and METRIC.max columns.")
	cmd.Flags().StringVar(&o.Chart, "chart", o.Chart, "Under the table, chart this metric of every row on one chart, a letter per row.")
	cmd.Flags().IntVar(&o.Width, "width", o.Width, "Columns of the chart, its axis labels included; 0 is the terminal's width (80 when the output is not a terminal).")
	cmd.Flags().IntVar(&o.Height, "height", o.Height, "Rows of the chart.")
	return cmd
}

// Complete resolves the arguments into targets and builds the clients.
func (o *Options) Complete(f *util.Factory, flags genericclioptions.RESTClientGetter, args []string) error {
	ns, _, err := flags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return err
	}
	o.namespace = ns
	for _, arg := range args {
		t, err := f.Resolve(arg)
		if err != nil {
			return err
		}
		if t.Resource != tuningJobs && !contains(compared, t.Resource) {
			return fmt.Errorf("%s cannot be compared; use trainingjobs, pipelineruns or tuningjobs (their trials)", t.Resource)
		}
		o.targets = append(o.targets, t)
	}
	if o.dynamic, err = f.DynamicClient(); err != nil {
		return err
	}
	o.client, err = f.RESTClient()
	return err
}

// Validate checks the flags and that something is named to compare.
func (o *Options) Validate() error {
	selecting := o.Selector != "" || o.Experiment != ""
	named := len(o.args) + len(o.targets)
	switch {
	case named == 0 && !selecting:
		return errors.New("name what to compare: tun/NAME, KIND/NAME ..., -l SELECTOR or --experiment NAME")
	case named > 0 && selecting:
		return errors.New("compare either named objects or what -l/--experiment select, not both")
	case o.Output != "" && o.Output != "wide":
		return fmt.Errorf("--output %q is not supported; use wide", o.Output)
	case o.Width != 0 && o.Width < 20:
		return errors.New("--width must be 0 (the terminal's) or at least 20")
	case o.Height < 2:
		return errors.New("--height must be at least 2")
	}
	if o.Selector != "" {
		if _, err := labels.Parse(o.Selector); err != nil {
			return fmt.Errorf("--selector: %w", err)
		}
	}
	return nil
}

// selector is the label selector of -l and --experiment together.
func (o *Options) selector() string {
	parts := []string{}
	if o.Selector != "" {
		parts = append(parts, o.Selector)
	}
	if o.Experiment != "" {
		parts = append(parts, mlv1alpha1.ExperimentLabel+"="+o.Experiment)
	}
	return strings.Join(parts, ",")
}

// Run reads the objects and their metrics and prints the table (and chart).
func (o *Options) Run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	t, err := o.collect(ctx)
	if err != nil {
		return err
	}
	if len(t.rows) == 0 {
		fmt.Fprintf(o.ErrOut, "No resources found in %s namespace.\n", o.namespace)
		return nil
	}
	return o.print(t)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
