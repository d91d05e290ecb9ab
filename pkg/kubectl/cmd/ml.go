// Package cmd is the root of the `kubectl ml` plugin: it carries kubectl's
// connection flags (through cli-runtime), kubectl's help layout (global
// flags listed by `kubectl ml options`) and one subcommand per verb.
package cmd

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	cliflag "k8s.io/component-base/cli/flag"
	componentlogs "k8s.io/component-base/logs"
	kubectloptions "k8s.io/kubectl/pkg/cmd/options"

	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/artifacts"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/compare"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/dashboard"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/get"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/lifecycle"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/logs"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/metrics"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/profiles"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/retry"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/tree"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/util"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/version"
)

// NewCmdML returns the `kubectl ml` command.
func NewCmdML(streams genericiooptions.IOStreams) *cobra.Command {
	flags := genericclioptions.NewConfigFlags(true).WithDeprecatedPasswordFlag().WithDiscoveryBurst(300).WithDiscoveryQPS(50.0)
	cmd := &cobra.Command{
		// kubectl runs the plugin as kubectl-ml; cobra builds every
		// usage line and hint from the display name.
		Use:         "ml",
		Annotations: map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl ml"},
		Short:       "Work with ml.example.io objects: logs, metrics, task trees and lifecycle of training jobs, pipeline runs, models and notebooks",
		Long: `kubectl ml reads the log and metrics subresources of ml.example.io objects,
shows a pipeline run's tasks and what an object owns, and stops, starts,
suspends, resumes and cancels them.

Objects are named as KIND/NAME, where KIND is any name kubectl knows for the
resource: trainingjob, trainingjobs or tj; pipelinerun or plr; model or mdl;
notebook or nb; or the full trainingjobs.ml.example.io.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// No completion command: kubectl completes plugins on its own.
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
		Run: func(c *cobra.Command, _ []string) {
			_ = c.Help()
		},
	}
	cmd.SetIn(streams.In)
	cmd.SetOut(streams.Out)
	cmd.SetErr(streams.ErrOut)
	flags.AddFlags(cmd.PersistentFlags())
	// As cli.Run does for the binary, so the command tree is the same in
	// tests: --log-flush-frequency, -v and the word-separator normalization.
	cmd.SetGlobalNormalizationFunc(cliflag.WordSepNormalizeFunc)
	componentlogs.AddFlags(cmd.PersistentFlags())

	f := util.NewFactory(flags)
	cmd.AddCommand(logs.NewCmdLogs(f, streams))
	cmd.AddCommand(metrics.NewCmdMetrics(f, streams))
	cmd.AddCommand(get.NewCmdGet(f, streams))
	cmd.AddCommand(tree.NewCmdTree(f, flags, streams))
	cmd.AddCommand(lifecycle.NewCmds(f, streams)...)
	cmd.AddCommand(profiles.NewCmdProfiles(flags, streams))
	cmd.AddCommand(retry.NewCmdRetry(f, streams))
	cmd.AddCommand(artifacts.NewCmdArtifacts(f, streams))
	cmd.AddCommand(version.NewCmdVersion(f, streams))
	cmd.AddCommand(compare.NewCmdCompare(f, flags, streams))
	cmd.AddCommand(dashboard.NewCmdDashboard(flags, streams))
	cmd.AddCommand(kubectloptions.NewCmdOptions(streams.Out))
	actAsRoot(cmd)
	return cmd
}
