// Package logs is `kubectl ml logs`: it prints the log subresource of a
// training job, pipeline run, model or notebook, live from its pods or from
// the server's archive once the pods are gone.
package logs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"

	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/util"
)

// Resources are the resources with a log subresource.
var Resources = []string{"trainingjobs", "pipelineruns", "models", "notebooks"}

const example = `  # Print the logs of every replica of a training job, each line prefixed by its replica
  kubectl ml logs trainingjob/mnist-ddp

  # Follow replica 0 only, starting with its last 20 lines
  kubectl ml logs tj/mnist-ddp -f --replica 0 --tail 20

  # The log of the chief of a TensorFlow job with roles, then of all its workers
  kubectl ml logs trainingjob/tf --role chief --replica 0
  kubectl ml logs trainingjob/tf --role worker

  # The logs of one task of a pipeline run, with timestamps, from the last hour
  kubectl ml logs pipelinerun/train-eval-1 --task train --since 1h --timestamps`

// Options are the flags of `kubectl ml logs`.
type Options struct {
	Follow     bool
	Replica    int
	Role       string
	Task       string
	Container  string
	Previous   bool
	Tail       int64
	Since      time.Duration
	Timestamps bool
	LimitBytes int64

	target  util.Target
	client  rest.Interface
	factory *util.Factory
	genericiooptions.IOStreams
}

// NewCmdLogs returns the logs command.
func NewCmdLogs(f *util.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{Replica: -1, Tail: -1, IOStreams: streams}
	cmd := &cobra.Command{
		Use:                   "logs KIND/NAME [-f] [[--role R] --replica N | --task T] [--tail N] [--since D] [--timestamps]",
		DisableFlagsInUseLine: true,
		Short:                 "Print the logs of a training job, pipeline run, model or notebook",
		Long: `Print the logs of a training job, pipeline run, model or notebook.

Without --replica or --task the logs of all replicas (or tasks) are merged line by
line, each line prefixed with [replica-N] ([ROLE-N] for a training job with roles)
or [task]. The logs come from the running
pods, and from the server's archive once the pods are gone.`,
		Example: example,
		RunE: func(c *cobra.Command, args []string) error {
			if err := util.OneObject(c, args); err != nil {
				return err
			}
			if err := o.Complete(f, args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return cmdutil.UsageErrorf(c, "%v", err)
			}
			return o.Run(c.Context())
		},
	}
	cmd.Flags().BoolVarP(&o.Follow, "follow", "f", o.Follow, "Stream the logs until the object ends or the command is interrupted.")
	cmd.Flags().IntVar(&o.Replica, "replica", o.Replica, "Only this replica index (training jobs and models).")
	cmd.Flags().StringVar(&o.Role, "role", o.Role, "Only the replicas of this role of a training job with roles (chief, worker, ps, evaluator, launcher); with --replica, that index of the role.")
	cmd.Flags().StringVar(&o.Task, "task", o.Task, "Only this task of a pipeline run (a forEach instance as TASK-N).")
	cmd.Flags().StringVarP(&o.Container, "container", "c", o.Container, "Only this container of the pods.")
	cmd.Flags().BoolVarP(&o.Previous, "previous", "p", o.Previous, "The logs of the previous instance of a restarted replica.")
	cmd.Flags().Int64Var(&o.Tail, "tail", o.Tail, "Lines of recent log to show; -1 shows all.")
	cmd.Flags().DurationVar(&o.Since, "since", o.Since, "Only logs newer than a relative duration like 5s, 2m or 3h.")
	cmd.Flags().BoolVar(&o.Timestamps, "timestamps", o.Timestamps, "Include a timestamp on each line.")
	cmd.Flags().Int64Var(&o.LimitBytes, "limit-bytes", o.LimitBytes, "Maximum bytes of logs to return; 0 is no limit.")
	return cmd
}

// Complete resolves the object and the client.
func (o *Options) Complete(f *util.Factory, args []string) error {
	target, err := f.Resolve(args[0], Resources...)
	if err != nil {
		return err
	}
	o.target = target
	o.factory = f
	o.client, err = f.RESTClient()
	return err
}

// Validate checks the flags against each other and the kind.
func (o *Options) Validate() error {
	switch {
	case o.Replica >= 0 && o.Task != "":
		return errors.New("--replica and --task cannot be used together")
	case o.Role != "" && o.target.Resource != "trainingjobs":
		return fmt.Errorf("--role is for trainingjobs, not %s", o.target.Resource)
	case o.Replica < -1:
		return errors.New("--replica must be 0 or more")
	case o.Task != "" && o.target.Resource != "pipelineruns":
		return fmt.Errorf("--task is for pipelineruns, not %s", o.target.Resource)
	case o.Replica >= 0 && o.target.Resource != "trainingjobs" && o.target.Resource != "models":
		return fmt.Errorf("--replica is for trainingjobs and models, not %s", o.target.Resource)
	case o.Tail < -1:
		return errors.New("--tail must be -1 (all) or more")
	case o.Since < 0:
		return errors.New("--since must not be negative")
	case o.LimitBytes < 0:
		return errors.New("--limit-bytes must not be negative")
	}
	return nil
}

// Request is the GET of the log subresource the options ask for.
func (o *Options) Request() *rest.Request {
	r := o.client.Get().
		Namespace(o.target.Namespace).
		Resource(o.target.Resource).
		Name(o.target.Name).
		SubResource("log")
	if o.Follow {
		r.Param("follow", "true")
	}
	switch {
	case o.Role != "" && o.Replica >= 0:
		r.Param("replica", o.Role+"-"+strconv.Itoa(o.Replica))
	case o.Role != "":
		r.Param("replica", o.Role)
	case o.Replica >= 0:
		r.Param("replica", strconv.Itoa(o.Replica))
	}
	if o.Task != "" {
		r.Param("task", o.Task)
	}
	if o.Container != "" {
		r.Param("container", o.Container)
	}
	if o.Previous {
		r.Param("previous", "true")
	}
	if o.Tail >= 0 {
		r.Param("tailLines", strconv.FormatInt(o.Tail, 10))
	}
	if o.Since > 0 {
		// Like kubectl logs: round up to whole seconds.
		r.Param("sinceSeconds", strconv.FormatInt(int64((o.Since+time.Second-1)/time.Second), 10))
	}
	if o.Timestamps {
		r.Param("timestamps", "true")
	}
	if o.LimitBytes > 0 {
		r.Param("limitBytes", strconv.FormatInt(o.LimitBytes, 10))
	}
	return r
}

// Run copies the log stream to the output until it ends.
func (o *Options) Run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if o.factory != nil {
		replica := int64(o.Replica)
		if o.Role != "" {
			replica = -1 // the server knows the roles' counts
		}
		if err := o.factory.CheckSelection(ctx, o.target, o.Task, replica); err != nil {
			return err
		}
	}
	stream, err := o.Request().Stream(ctx)
	if err != nil {
		return err
	}
	defer stream.Close()
	if _, err := io.Copy(o.Out, stream); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("read the logs of %s: %w", o.target, err)
	}
	return nil
}
