// Package lifecycle is `kubectl ml stop|start|suspend|resume|cancel`: each
// sets one field of an object's spec with a merge patch, as `kubectl rollout
// pause` does for a Deployment, and the controller does the rest.
package lifecycle

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/util"
)

// FieldManager is the field manager of the plugin's writes.
const FieldManager = "kubectl-ml"

// Verb is one lifecycle command: the spec field it sets, to what, and on
// which resources.
type Verb struct {
	// Name is the command ("stop") and Done what it prints after the
	// object ("stopped").
	Name, Done string
	// Resources are the plural resources the verb applies to.
	Resources []string
	// Field is the boolean spec field the verb sets to Value.
	Field string
	Value bool
	// Short, Long and Example are the command's help.
	Short, Long, Example string
}

// Verbs are the lifecycle commands, in the order help lists them.
var Verbs = []Verb{
	{
		Name: "stop", Done: "stopped", Resources: []string{"notebooks"}, Field: "stopped", Value: true,
		Short: "Stop a notebook, keeping its workspace",
		Long: `Stop a notebook: set spec.stopped, so that its pod is deleted while its
workspace volume is kept. kubectl ml start runs it again.`,
		Example: "  # Stop the notebook explore; its phase becomes Stopped\n  kubectl ml stop nb/explore",
	},
	{
		Name: "start", Done: "started", Resources: []string{"notebooks"}, Field: "stopped", Value: false,
		Short:   "Start a stopped notebook",
		Long:    `Start a stopped notebook: clear spec.stopped, so that its pod is created again on its workspace.`,
		Example: "  # Start the notebook explore again\n  kubectl ml start nb/explore",
	},
	{
		Name: "suspend", Done: "suspended", Resources: []string{"trainingjobs", "pipelineruns"}, Field: "suspend", Value: true,
		Short: "Suspend a training job or a pipeline run",
		Long: `Suspend a training job or a pipeline run: set spec.suspend.

A suspended training job's pods are deleted; resuming it creates them again.
A suspended pipeline run starts no new tasks; the running ones finish.`,
		Example: "  # Suspend a training job, freeing its GPUs\n  kubectl ml suspend tj/mnist-ddp\n\n  # Hold a pipeline run before its next tasks\n  kubectl ml suspend plr/train-eval-1",
	},
	{
		Name: "resume", Done: "resumed", Resources: []string{"trainingjobs", "pipelineruns"}, Field: "suspend", Value: false,
		Short:   "Resume a suspended training job or pipeline run",
		Long:    `Resume a suspended training job or pipeline run: clear spec.suspend.`,
		Example: "  # Resume a training job\n  kubectl ml resume tj/mnist-ddp",
	},
	{
		Name: "cancel", Done: "canceled", Resources: []string{"pipelineruns"}, Field: "cancel", Value: true,
		Short: "Cancel a pipeline run",
		Long: `Cancel a pipeline run: set spec.cancel. Its running tasks are stopped, its
finally tasks still run, and the run ends Canceled.`,
		Example: "  # Cancel a run\n  kubectl ml cancel plr/train-eval-1",
	},
}

// Options are the state of one lifecycle command.
type Options struct {
	Verb Verb

	target util.Target
	client rest.Interface
	genericiooptions.IOStreams
}

// NewCmds returns one command per verb.
func NewCmds(f *util.Factory, streams genericiooptions.IOStreams) []*cobra.Command {
	cmds := make([]*cobra.Command, 0, len(Verbs))
	for _, v := range Verbs {
		cmds = append(cmds, NewCmd(f, streams, v))
	}
	return cmds
}

// NewCmd returns the command of verb v.
func NewCmd(f *util.Factory, streams genericiooptions.IOStreams, v Verb) *cobra.Command {
	o := &Options{Verb: v, IOStreams: streams}
	return &cobra.Command{
		Use:                   v.Name + " KIND/NAME",
		DisableFlagsInUseLine: true,
		Short:                 v.Short,
		Long:                  v.Long,
		Example:               v.Example,
		Args:                  util.OneObject,
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Complete(f, args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
}

// Complete resolves the object and the client.
func (o *Options) Complete(f *util.Factory, args []string) error {
	target, err := f.Resolve(args[0])
	if err != nil {
		return err
	}
	o.target = target
	o.client, err = f.RESTClient()
	return err
}

// Validate checks that the verb applies to the object's kind.
func (o *Options) Validate() error {
	if !slices.Contains(o.Verb.Resources, o.target.Resource) {
		return fmt.Errorf("%s do not support %s: %s applies to %s", o.target.Resource, o.Verb.Name, o.Verb.Name, strings.Join(o.Verb.Resources, " and "))
	}
	return nil
}

// Run reads the object, refuses a change that is already made (as kubectl
// rollout pause does) and patches the field.
func (o *Options) Run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	raw, err := o.client.Get().Namespace(o.target.Namespace).Resource(o.target.Resource).Name(o.target.Name).Do(ctx).Raw()
	if err != nil {
		return err
	}
	var obj struct {
		Spec map[string]any `json:"spec"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return fmt.Errorf("decode %s: %w", o.target, err)
	}
	if current, _ := obj.Spec[o.Verb.Field].(bool); current == o.Verb.Value {
		return fmt.Errorf("%s.%s %q is already %s", o.target.Resource, ml.GroupName, o.target.Name, o.Verb.Done)
	}
	patch, err := json.Marshal(map[string]any{"spec": map[string]any{o.Verb.Field: o.Verb.Value}})
	if err != nil {
		return err
	}
	err = o.client.Patch(types.MergePatchType).
		Namespace(o.target.Namespace).Resource(o.target.Resource).Name(o.target.Name).
		Param("fieldManager", FieldManager).
		Body(patch).Do(ctx).Error()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(o.Out, "%s.%s/%s %s\n", singular(o.target.Resource), ml.GroupName, o.target.Name, o.Verb.Done)
	return err
}

// singular is the lower-case kind kubectl prints before /NAME: every
// resource of the group is its kind plus "s".
func singular(resource string) string {
	return strings.TrimSuffix(resource, "s")
}
