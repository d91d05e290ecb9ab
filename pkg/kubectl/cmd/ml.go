// Package cmd is the root of the `kubectl ml` plugin: it carries kubectl's
// connection flags (through cli-runtime) and one subcommand per verb.
package cmd

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/get"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/lifecycle"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/logs"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/metrics"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/tree"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/util"
)

// NewCmdML returns the `kubectl ml` command.
func NewCmdML(streams genericiooptions.IOStreams) *cobra.Command {
	flags := genericclioptions.NewConfigFlags(true).WithDeprecatedPasswordFlag().WithDiscoveryBurst(300).WithDiscoveryQPS(50.0)
	cmd := &cobra.Command{
		Use:   "kubectl ml",
		Short: "Work with ml.example.io objects: logs and metrics of training jobs, pipeline runs, models and notebooks",
		Long: `kubectl ml reads the log and metrics subresources of ml.example.io objects.

Objects are named as KIND/NAME, where KIND is any name kubectl knows for the
resource: trainingjob, trainingjobs or tj; pipelinerun or plr; model or mdl;
notebook or nb.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Run: func(c *cobra.Command, _ []string) {
			_ = c.Help()
		},
	}
	flags.AddFlags(cmd.PersistentFlags())
	f := util.NewFactory(flags)
	cmd.AddCommand(logs.NewCmdLogs(f, streams))
	cmd.AddCommand(metrics.NewCmdMetrics(f, streams))
	cmd.AddCommand(get.NewCmdGet(f, streams))
	cmd.AddCommand(tree.NewCmdTree(f, flags, streams))
	cmd.AddCommand(lifecycle.NewCmds(f, streams)...)
	return cmd
}
