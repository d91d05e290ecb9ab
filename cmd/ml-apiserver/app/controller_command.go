package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/tools/clientcmd"
	cliflag "k8s.io/component-base/cli/flag"
	"k8s.io/component-base/cli/globalflag"
	"k8s.io/component-base/logs"
	logsapi "k8s.io/component-base/logs/api/v1"
	"k8s.io/component-base/term"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
)

// NewControllerCommand returns `ml-apiserver controller`: the bundled
// controllers alone, against a cluster where ml.example.io is served
// (through kube-apiserver's aggregation), leader-elected with every other
// copy, the API servers' included.
func NewControllerCommand() *cobra.Command {
	o := options.NewControllerOptions()
	serving := options.NewControllerServingOptions()
	limits := options.NewLimitOptions()
	logOptions := logs.NewOptions()
	var kubeconfig string
	cmd := &cobra.Command{
		Use:   "controller",
		Short: "Run only the bundled controllers against a cluster",
		Long: `Run the bundled controllers (TrainingJobs to pods and Services, ...) as their own
process. They reach kube-apiserver, and the ml.example.io group through it,
with --kubeconfig (default: $KUBECONFIG, then the in-cluster configuration),
and take turns with every other copy, the API servers' included, on the
leader Lease <controller-namespace>/ml-controller.`,
		SilenceUsage: true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			return logsapi.ValidateAndApply(logOptions, nil)
		},
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) != 0 {
				return fmt.Errorf("unexpected arguments: %v", args)
			}
			if err := utilerrors.NewAggregate(append(append(o.Validate(), serving.Validate()...), limits.Validate()...)); err != nil {
				return err
			}
			limits.ApplyToController(o)
			if !o.Enabled() {
				return errors.New("--controllers enables no controller")
			}
			rules := clientcmd.NewDefaultClientConfigLoadingRules()
			rules.ExplicitPath = kubeconfig
			config, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
			if err != nil {
				return fmt.Errorf("kubeconfig: %w", err)
			}
			manager, err := newControllerManager(controllerConfig(o, nil), o, config, config)
			if err != nil {
				return err
			}
			serving.Complete(kubeconfig)
			endpoint, err := newControllerEndpoint(serving)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithCancel(c.Context())
			defer cancel()
			if endpoint != nil {
				stopped, err := endpoint.serve(ctx, manager)
				if err != nil {
					return err
				}
				// Serve until the controllers have stopped and given
				// back the lease.
				defer func() { <-stopped }()
				defer cancel()
			}
			klog.FromContext(ctx).Info("Starting the controllers", "server", config.Host, "identity", manager.Identity())
			return manager.Run(ctx)
		},
	}

	var fss cliflag.NamedFlagSets
	fs := fss.FlagSet("controllers")
	fs.StringVar(&kubeconfig, "kubeconfig", kubeconfig,
		"Kubeconfig of the cluster: kube-apiserver, with ml.example.io aggregated into it.")
	o.AddFlags(fs)
	limits.AddForEachFlag(fs)
	serving.AddFlags(fss.FlagSet("secure serving"))
	logsapi.AddFlags(logOptions, fss.FlagSet("logs"))
	globalflag.AddGlobalFlags(fss.FlagSet("global"), cmd.Name(), logs.SkipLoggingConfigurationFlags())
	for _, f := range fss.FlagSets {
		cmd.Flags().AddFlagSet(f)
	}
	cols, _, _ := term.TerminalSize(cmd.OutOrStdout())
	cliflag.SetUsageAndHelpFunc(cmd, fss, cols)
	return cmd
}
