// Package retry is `kubectl ml retry plr/NAME`: it creates a PipelineRun
// that retries an ended run from its failed tasks (spec.retryOf), as
// `argo retry` does for a Workflow, and prints the new run's name. The
// server reuses the outputs of the tasks that succeeded; the retried run
// is left as it was.
package retry

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/dynamic"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/util"
)

// FieldManager is the field manager of the plugin's writes.
const FieldManager = "kubectl-ml"

// copiedSpec are the run-level settings the retry takes from the retried
// run; what runs (snapshot and params) the server takes itself.
var copiedSpec = []string{"parallelism", "activeDeadlineSeconds", "ttlSecondsAfterFinished", "failFast", "cache"}

// Options are the state of one retry command.
type Options struct {
	target util.Target
	// runs is the client of the target's namespace's pipelineruns.
	runs dynamic.ResourceInterface
	genericiooptions.IOStreams
}

// NewCmdRetry returns the retry command.
func NewCmdRetry(f *util.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{IOStreams: streams}
	return &cobra.Command{
		Use:                   "retry KIND/NAME",
		DisableFlagsInUseLine: true,
		Short:                 "Retry a failed or canceled pipeline run from its failed tasks",
		Long: `Retry a pipeline run that ended Failed or Canceled: create a new run, named
NAME-retry-XXXXX, with spec.retryOf naming it. The new run executes the same
pipeline snapshot with the same params; every task that succeeded in NAME is
reused (phase Succeeded, reason Reused, its outputs) without running again,
and the other tasks run. Its parallelism, activeDeadlineSeconds,
ttlSecondsAfterFinished, failFast and cache are taken from NAME. NAME is left
as it was.`,
		Example: "  # Retry a failed run; prints the new run's name\n  kubectl ml retry plr/train-eval-1",
		Args:    util.OneObject,
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Complete(f, args); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
}

// Complete resolves the run and the client.
func (o *Options) Complete(f *util.Factory, args []string) error {
	target, err := f.Resolve(args[0])
	if err != nil {
		return err
	}
	if target.Resource != "pipelineruns" {
		return fmt.Errorf("%s do not support retry: retry applies to pipelineruns", target.Resource)
	}
	o.target = target
	client, err := f.DynamicClient()
	if err != nil {
		return err
	}
	o.runs = client.Resource(mlv1alpha1.SchemeGroupVersion.WithResource("pipelineruns")).Namespace(target.Namespace)
	return nil
}

// Run reads the run, creates its retry and prints the retry's name. The
// server checks that the run has ended Failed or Canceled; its errors are
// returned as they are, so kubectl prints the field and the reason.
func (o *Options) Run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	prev, err := o.runs.Get(ctx, o.target.Name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	spec := map[string]any{"retryOf": map[string]any{"name": o.target.Name}}
	for _, k := range copiedSpec {
		if v, ok, _ := unstructured.NestedFieldCopy(prev.Object, "spec", k); ok {
			spec[k] = v
		}
	}
	retry := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": mlv1alpha1.SchemeGroupVersion.String(),
		"kind":       "PipelineRun",
		"metadata":   map[string]any{"generateName": o.target.Name + "-retry-"},
		"spec":       spec,
	}}
	created, err := o.runs.Create(ctx, retry, metav1.CreateOptions{FieldManager: FieldManager})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(o.Out, "pipelinerun.%s/%s created\n", ml.GroupName, created.GetName())
	return err
}
