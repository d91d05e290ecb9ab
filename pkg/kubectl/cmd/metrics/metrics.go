// Package metrics is `kubectl ml metrics`: it prints the metrics subresource
// of a training job, pipeline run or model as a table of last/min/max per
// series and a terminal line chart of each.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/cli-runtime/pkg/printers"
	"k8s.io/client-go/rest"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/kubectl/chart"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/util"
)

// Resources are the resources with a metrics subresource.
var Resources = []string{"trainingjobs", "pipelineruns", "models"}

const example = `  # Last, minimum and maximum of every metric of a training job, and a chart of each
  kubectl ml metrics trainingjob/mnist-ddp

  # Only loss and accuracy, refreshed as new points arrive
  kubectl ml metrics tj/mnist-ddp --names loss,accuracy --watch

  # The series of one pipeline task as JSON, downsampled to 100 points each
  kubectl ml metrics pipelinerun/train-eval-1 --task train -o json --max-points 100`

// Options are the flags of `kubectl ml metrics`.
type Options struct {
	Names     []string
	Task      string
	SinceStep int64
	MaxPoints int32
	Watch     bool
	Interval  time.Duration
	Output    string
	Width     int
	Height    int

	target  util.Target
	client  rest.Interface
	factory *util.Factory
	genericiooptions.IOStreams
}

// NewCmdMetrics returns the metrics command.
func NewCmdMetrics(f *util.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{SinceStep: -1, MaxPoints: -1, Interval: 2 * time.Second, Height: 8, IOStreams: streams}
	cmd := &cobra.Command{
		Use:                   "metrics KIND/NAME [--names a,b] [--task T] [--watch] [-o json|yaml]",
		DisableFlagsInUseLine: true,
		Short:                 "Print the metrics of a training job, pipeline run or model",
		Long: `Print the metrics of a training job, pipeline run or model: a table with the
last, minimum and maximum value of each series, then a line chart of each series.
With -o json or -o yaml it prints the Metrics object instead.

Charts are as wide as the terminal (80 columns when the output is not a
terminal). Series that count progress rather than measure it (epoch, step,
global_step, iteration, ...: see --names) are in the table but not charted
unless --names asks for them. With --watch the command ends when the object
ends (Succeeded, Failed or Canceled).`,
		Example: example,
		RunE: func(c *cobra.Command, args []string) error {
			if err := util.OneObject(c, args); err != nil {
				return err
			}
			target, err := f.Resolve(args[0], Resources...)
			if err != nil {
				return err
			}
			o.target = target
			o.factory = f
			if o.client, err = f.RESTClient(); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return cmdutil.UsageErrorf(c, "%v", err)
			}
			return o.Run(c.Context())
		},
	}
	cmd.Flags().StringSliceVar(&o.Names, "names", o.Names, "Only these series, comma separated. Progress counters (epoch, step, global_step, iteration, batch, ...) are charted only when named here.")
	cmd.Flags().StringVar(&o.Task, "task", o.Task, "Only the series of this task of a pipeline run.")
	cmd.Flags().Int64Var(&o.SinceStep, "since-step", o.SinceStep, "Only points at this step or later; -1 for all.")
	cmd.Flags().Int32Var(&o.MaxPoints, "max-points", o.MaxPoints, "Downsample each series to at most this many points (at least 4) on the server; 0 for every point; -1 for the server's default (1000 unless --metrics-default-max-points says otherwise). Charts downsample on their own.")
	cmd.Flags().BoolVarP(&o.Watch, "watch", "w", o.Watch, "After printing, print again whenever the metrics change, until the object ends or the command is interrupted.")
	cmd.Flags().DurationVar(&o.Interval, "interval", o.Interval, "How often --watch asks the server.")
	cmd.Flags().StringVarP(&o.Output, "output", "o", o.Output, "Output format: json or yaml; a table and charts when empty.")
	cmd.Flags().IntVar(&o.Width, "width", o.Width, "Columns of each chart, its axis labels included; 0 is the terminal's width (80 when the output is not a terminal).")
	cmd.Flags().IntVar(&o.Height, "height", o.Height, "Rows of each chart; 0 prints the table only.")
	return cmd
}

// Validate checks the flags.
func (o *Options) Validate() error {
	switch {
	case o.Output != "" && o.Output != "json" && o.Output != "yaml":
		return fmt.Errorf("--output %q is not supported; use json or yaml", o.Output)
	case o.Task != "" && o.target.Resource != "pipelineruns":
		return fmt.Errorf("--task is for pipelineruns, not %s", o.target.Resource)
	case o.SinceStep < -1:
		return errors.New("--since-step must be -1 (all) or more")
	case o.MaxPoints < -1 || (o.MaxPoints > 0 && o.MaxPoints < 4):
		return errors.New("--max-points must be -1 (the server's default), 0 (all) or at least 4")
	case o.Watch && o.Interval <= 0:
		return errors.New("--interval must be positive")
	case o.Width != 0 && o.Width < minWidth:
		return fmt.Errorf("--width must be 0 (the terminal's) or at least %d", minWidth)
	case o.Height < 0 || o.Height == 1:
		return errors.New("--height must be 0 (no charts) or at least 2")
	}
	return nil
}

// Request is the GET of the metrics subresource the options ask for.
func (o *Options) Request() *rest.Request {
	r := o.client.Get().
		Namespace(o.target.Namespace).
		Resource(o.target.Resource).
		Name(o.target.Name).
		SubResource("metrics")
	if len(o.Names) > 0 {
		r.Param("names", strings.Join(o.Names, ","))
	}
	if o.Task != "" {
		r.Param("task", o.Task)
	}
	if o.SinceStep >= 0 {
		r.Param("sinceStep", strconv.FormatInt(o.SinceStep, 10))
	}
	if o.MaxPoints >= 0 {
		r.Param("maxPoints", strconv.FormatInt(int64(o.MaxPoints), 10))
	}
	return r
}

// Get reads the metrics once.
func (o *Options) Get(ctx context.Context) (*mlv1alpha1.Metrics, error) {
	m := &mlv1alpha1.Metrics{}
	if err := o.Request().Do(ctx).Into(m); err != nil {
		return nil, err
	}
	m.SetGroupVersionKind(mlv1alpha1.SchemeGroupVersion.WithKind("Metrics"))
	return m, nil
}

// Run prints the metrics, and with --watch again whenever they change,
// until the object ends.
func (o *Options) Run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if o.factory != nil {
		if err := o.factory.CheckSelection(ctx, o.target, o.Task, -1); err != nil {
			return err
		}
	}
	var last *mlv1alpha1.Metrics
	warned := false
	for {
		// The object first: metrics read after it ended are its last.
		ended, how := o.ended(ctx)
		m, err := o.Get(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return nil
		case err != nil:
			return err
		}
		if !warned {
			if none, err := o.checkNames(ctx, m); err != nil {
				if none && !o.Watch {
					return err
				}
				fmt.Fprintf(o.ErrOut, "warning: %v\n", err)
			}
			warned = true
		}
		if last == nil || !equality.Semantic.DeepEqual(last.Series, m.Series) {
			if last != nil && o.Output == "" {
				fmt.Fprintf(o.Out, "\n--- %s\n", time.Now().Format(time.TimeOnly))
			}
			if err := o.Print(o.Out, m); err != nil {
				return err
			}
			last = m
		}
		if !o.Watch {
			return nil
		}
		if ended {
			fmt.Fprintf(o.ErrOut, "%s has ended (%s).\n", o.target, how)
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(o.Interval):
		}
	}
}

// ended says whether --watch should stop: the object has finished. An
// object that cannot be read (no permission) never ends the watch.
func (o *Options) ended(ctx context.Context) (bool, string) {
	if !o.Watch || o.factory == nil {
		return false, ""
	}
	obj, err := o.factory.Get(ctx, o.target)
	if err != nil {
		return false, ""
	}
	how, ok := util.Finished(obj)
	return ok, how
}

// Print writes m in the output format.
func (o *Options) Print(w io.Writer, m *mlv1alpha1.Metrics) error {
	switch o.Output {
	case "json":
		return (&printers.JSONPrinter{}).PrintObj(m, w)
	case "yaml":
		return (&printers.YAMLPrinter{}).PrintObj(m, w)
	}
	if len(m.Series) == 0 {
		_, err := fmt.Fprintf(w, "No metrics for %s in namespace %s.\n", o.target, o.target.Namespace)
		return err
	}
	if err := PrintTable(w, m); err != nil {
		return err
	}
	if o.Height == 0 {
		return nil
	}
	width := o.Width
	if width == 0 {
		width = TerminalWidth(w)
	}
	for _, s := range m.Series {
		if IsCounter(s) && !slices.Contains(o.Names, s.Name) {
			continue
		}
		fmt.Fprintln(w)
		points := make([]chart.Point, 0, len(s.Points))
		for _, p := range s.Points {
			points = append(points, chart.Point{Step: p.Step, Value: p.Value})
		}
		if err := chart.Draw(w, seriesName(s), points, chart.Options{MaxWidth: width, Height: o.Height}); err != nil {
			return err
		}
	}
	return nil
}

// PrintTable writes one row per series: its last, minimum and maximum
// values with their steps, and how many points are stored.
func PrintTable(w io.Writer, m *mlv1alpha1.Metrics) error {
	tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
	fmt.Fprintln(tw, "NAME\tLAST\tSTEP\tMIN\tMAX\tPOINTS")
	for _, s := range m.Series {
		count := s.Count
		if count == 0 {
			count = int64(len(s.Points))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\n", seriesName(s),
			value(s.Last), step(s.Last), valueAt(s.Min), valueAt(s.Max), count)
	}
	return tw.Flush()
}

func seriesName(s mlv1alpha1.MetricSeries) string {
	if s.Task != "" {
		return s.Task + "/" + s.Name
	}
	return s.Name
}

func value(p *mlv1alpha1.MetricPoint) string {
	if p == nil {
		return "<none>"
	}
	return strconv.FormatFloat(p.Value, 'g', 6, 64)
}

func step(p *mlv1alpha1.MetricPoint) string {
	if p == nil {
		return "<none>"
	}
	return strconv.FormatInt(p.Step, 10)
}

// valueAt is a value with the step it was reached at.
func valueAt(p *mlv1alpha1.MetricPoint) string {
	if p == nil {
		return "<none>"
	}
	return fmt.Sprintf("%s (step %d)", value(p), p.Step)
}
