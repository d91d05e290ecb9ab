// Package get is `kubectl ml get plr/NAME`: a pipeline run as a tree of its
// tasks with their phase, duration, attempts and outputs, as `argo get`
// shows a workflow; `-o yaml|json` prints the object as kubectl get does.
package get

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/scheme"
	mlclient "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/typed/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/util"
)

const example = `  # The tasks of a pipeline run as a tree, in the order they run
  kubectl ml get plr/train-eval-1

  # The run itself, as kubectl get prints it
  kubectl ml get pipelinerun/train-eval-1 -o yaml`

// Options are the flags of `kubectl ml get`.
type Options struct {
	PrintFlags *genericclioptions.PrintFlags
	// Now is the end of the durations of what still runs.
	Now func() time.Time

	target util.Target
	client mlclient.MlV1alpha1Interface
	genericiooptions.IOStreams
}

// NewCmdGet returns the get command.
func NewCmdGet(f *util.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{
		PrintFlags: genericclioptions.NewPrintFlags("").WithTypeSetter(scheme.Scheme),
		Now:        time.Now,
		IOStreams:  streams,
	}
	cmd := &cobra.Command{
		Use:                   "get plr/NAME [-o yaml|json]",
		DisableFlagsInUseLine: true,
		Short:                 "Show a pipeline run as a tree of its tasks",
		Long: `Show a pipeline run as a tree of its tasks: each task's phase, duration,
attempts and outputs, in the order the tasks run (a task below the tasks it
depends on), the instances of a forEach task under it and the finally tasks
last. A task that failed or was skipped says why in MESSAGE.`,
		Example: example,
		Args:    util.OneObject,
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Complete(f, args); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	o.PrintFlags.AddFlags(cmd)
	return cmd
}

// Complete resolves the run and the client.
func (o *Options) Complete(f *util.Factory, args []string) error {
	target, err := f.Resolve(args[0])
	if err != nil {
		return err
	}
	if target.Resource != "pipelineruns" {
		return fmt.Errorf("get shows pipelineruns as a task tree, not %s: use kubectl get %s/%s", target.Resource, target.Resource, target.Name)
	}
	o.target = target
	rc, err := f.RESTClient()
	if err != nil {
		return err
	}
	o.client = mlclient.New(rc)
	return nil
}

// Run prints the run.
func (o *Options) Run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	run, err := o.client.PipelineRuns(o.target.Namespace).Get(ctx, o.target.Name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if o.PrintFlags.OutputFormat != nil && *o.PrintFlags.OutputFormat != "" {
		printer, err := o.PrintFlags.ToPrinter()
		if err != nil {
			return err
		}
		return printer.PrintObj(run, o.Out)
	}
	spec := run.Status.PipelineSpec // stored by an earlier server
	if spec == nil && run.Status.Pipeline != nil {
		// The snapshot the run executes, from its pipeline subresource.
		if p, err := o.client.PipelineRuns(run.Namespace).GetPipeline(ctx, run.Name, metav1.GetOptions{}); err == nil {
			spec = &p.Spec
		}
	}
	if spec == nil {
		spec = run.Spec.PipelineSpec
	}
	if spec == nil && run.Spec.PipelineRef != nil {
		// Not snapshotted yet: the pipeline as it is now. Without it the
		// tasks come in status order.
		if p, err := o.client.Pipelines(run.Namespace).Get(ctx, run.Spec.PipelineRef.Name, metav1.GetOptions{}); err == nil {
			spec = &p.Spec
		}
	}
	return PrintRun(o.Out, run, spec, o.Now())
}

// PrintRun writes the header of run and its task tree (the tasks of spec,
// which may be nil).
func PrintRun(out io.Writer, run *mlv1alpha1.PipelineRun, spec *mlv1alpha1.PipelineSpec, now time.Time) error {
	var buf bytes.Buffer
	if err := printRun(&buf, run, spec, now); err != nil {
		return err
	}
	// Empty last columns leave padding behind.
	for line := range strings.Lines(buf.String()) {
		if _, err := io.WriteString(out, strings.TrimRight(line, " \n")+"\n"); err != nil {
			return err
		}
	}
	return nil
}

func printRun(out io.Writer, run *mlv1alpha1.PipelineRun, spec *mlv1alpha1.PipelineSpec, now time.Time) error {
	w := tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	field := func(name, value string) {
		if value != "" {
			fmt.Fprintf(w, "%s:\t%s\n", name, value)
		}
	}
	field("Name", run.Name)
	field("Namespace", run.Namespace)
	switch {
	case run.Spec.PipelineRef != nil:
		field("Pipeline", run.Spec.PipelineRef.Name)
	case run.Spec.PipelineSpec != nil:
		field("Pipeline", "(inline)")
	case run.Spec.RetryOf != nil && run.Status.Pipeline != nil && run.Status.Pipeline.Name != "":
		field("Pipeline", run.Status.Pipeline.Name)
	}
	if run.Spec.RetryOf != nil {
		field("Retry of", run.Spec.RetryOf.Name)
	}
	phase := string(run.Status.Phase)
	if phase == "" {
		phase = string(mlv1alpha1.PipelineRunPending)
	}
	switch {
	case run.Spec.Cancel && run.Status.CompletionTime == nil:
		phase += " (canceling)"
	case run.Spec.Suspend && run.Status.CompletionTime == nil:
		phase += " (suspended)"
	}
	field("Phase", phase)
	field("Started", timestamp(run.Status.StartTime))
	field("Finished", timestamp(run.Status.CompletionTime))
	field("Duration", span(run.Status.StartTime, run.Status.CompletionTime, now))
	if c := endCondition(run.Status.Conditions); c != nil && c.Message != "" {
		field("Message", oneLine(c.Message))
	}
	var params []string
	for _, p := range run.Status.Params {
		params = append(params, p.Name+"="+p.Value)
	}
	field("Parameters", strings.Join(params, ", "))
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out)

	w = tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	fmt.Fprintln(w, "TASK\tPHASE\tDURATION\tATTEMPTS\tOUTPUTS\tMESSAGE")
	fmt.Fprintf(w, "%s\t%s\t%s\t\t\t\n", run.Name, run.Status.Phase, span(run.Status.StartTime, run.Status.CompletionTime, now))
	var rows func(nodes []*node, indent string)
	rows = func(nodes []*node, indent string) {
		for i, n := range nodes {
			branch, next := "├─ ", "│  "
			if i == len(nodes)-1 {
				branch, next = "└─ ", "   "
			}
			fmt.Fprintf(w, "%s%s%s\t%s\n", indent, branch, n.name, row(n, now))
			rows(n.children, indent+next)
		}
	}
	rows(taskTree(spec, run.Status.Tasks), "")
	return w.Flush()
}

// row is the columns after TASK of a node.
func row(n *node, now time.Time) string {
	t := n.status
	if t == nil {
		return groupRow(n, now)
	}
	attempts := ""
	if len(t.Attempts) > 0 {
		attempts = fmt.Sprint(len(t.Attempts))
	}
	var outputs []string
	for _, o := range t.Outputs {
		outputs = append(outputs, o.Name+"="+o.Value)
	}
	message := oneLine(t.Message)
	if t.Reason != "" && message != "" {
		message = t.Reason + ": " + message
	} else if t.Reason != "" {
		message = t.Reason
	}
	return strings.Join([]string{string(t.Phase), span(t.StartTime, t.CompletionTime, now), attempts, strings.Join(outputs, ","), message}, "\t")
}

// groupRow sums up a forEach task, a nested pipeline or the finally tasks: the phase its
// children share, from the first start to the last end.
func groupRow(n *node, now time.Time) string {
	var phase mlv1alpha1.TaskPhase
	var start, end *metav1.Time
	mixed, running := false, false
	for _, c := range leaves(n) {
		switch {
		case phase == "":
			phase = c.status.Phase
		case phase != c.status.Phase:
			mixed = true
		}
		if s := c.status.StartTime; s != nil && (start == nil || s.Before(start)) {
			start = s
		}
		if e := c.status.CompletionTime; e != nil && (end == nil || end.Before(e)) {
			end = e
		}
		running = running || c.status.CompletionTime == nil && c.status.StartTime != nil
	}
	if mixed {
		phase = ""
	}
	if running {
		end = nil
	}
	return strings.Join([]string{string(phase), span(start, end, now), "", "", ""}, "\t")
}

// span is how long something ran: from start to end, or to now while it
// runs; empty before it started.
func span(start, end *metav1.Time, now time.Time) string {
	if start == nil {
		return ""
	}
	to := now
	if end != nil {
		to = end.Time
	}
	if to.Before(start.Time) {
		to = start.Time
	}
	return duration.HumanDuration(to.Sub(start.Time))
}

func timestamp(t *metav1.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// endCondition is the condition that says how the run ended (or why it is
// not running), if any.
func endCondition(conditions []metav1.Condition) *metav1.Condition {
	for _, t := range []string{"Failed", "Succeeded"} {
		for i := range conditions {
			if conditions[i].Type == t && conditions[i].Status == metav1.ConditionTrue {
				return &conditions[i]
			}
		}
	}
	return nil
}

// oneLine keeps a message on its row.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
