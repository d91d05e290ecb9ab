// Package retry is `kubectl ml retry plr/NAME`: it creates a PipelineRun
// that retries an ended run from its failed tasks (spec.retryOf), as
// `argo retry` does for a Workflow, and prints the new run's name. The
// server reuses the outputs of the tasks that succeeded; the retried run
// is left as it was.
package retry

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
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
	client rest.Interface
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
	target, err := f.Resolve(args[0], "pipelineruns")
	if err != nil {
		return err
	}
	o.target = target
	o.client, err = f.RESTClient()
	return err
}

// Run reads the run, creates its retry and prints the retry's name. The
// server checks that the run has ended Failed or Canceled.
func (o *Options) Run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	raw, err := o.client.Get().Namespace(o.target.Namespace).Resource(o.target.Resource).Name(o.target.Name).Do(ctx).Raw()
	if err != nil {
		return err
	}
	var prev struct {
		Spec map[string]any `json:"spec"`
	}
	if err := json.Unmarshal(raw, &prev); err != nil {
		return fmt.Errorf("decode %s: %w", o.target, err)
	}
	spec := map[string]any{"retryOf": map[string]any{"name": o.target.Name}}
	for _, k := range copiedSpec {
		if v, ok := prev.Spec[k]; ok {
			spec[k] = v
		}
	}
	body, err := json.Marshal(map[string]any{
		"apiVersion": ml.GroupName + "/v1alpha1",
		"kind":       "PipelineRun",
		"metadata":   map[string]any{"generateName": o.target.Name + "-retry-"},
		"spec":       spec,
	})
	if err != nil {
		return err
	}
	raw, err = o.client.Post().Namespace(o.target.Namespace).Resource(o.target.Resource).
		Param("fieldManager", FieldManager).Body(body).Do(ctx).Raw()
	if err != nil {
		return err
	}
	var created struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(raw, &created); err != nil {
		return fmt.Errorf("decode the created run: %w", err)
	}
	_, err = fmt.Fprintf(o.Out, "pipelinerun.%s/%s created\n", ml.GroupName, created.Metadata.Name)
	return err
}
