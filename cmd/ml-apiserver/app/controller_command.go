package app

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	cliflag "k8s.io/component-base/cli/flag"
	"k8s.io/component-base/cli/globalflag"
	"k8s.io/component-base/logs"
	logsapi "k8s.io/component-base/logs/api/v1"
	"k8s.io/component-base/term"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	"ml.example.io/ml-apiserver/pkg/controller"
)

// NewControllerCommand returns `ml-apiserver controller`: the bundled
// controllers alone, against a cluster where ml.example.io is served
// (through kube-apiserver's aggregation), leader-elected with every other
// copy, the API servers' included.
func NewControllerCommand() *cobra.Command {
	o := options.NewControllerCommandOptions()
	logOptions := logs.NewOptions()
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
			completed, err := o.Complete()
			if err != nil {
				return err
			}
			if err := completed.Validate(); err != nil {
				return err
			}
			return RunController(c.Context(), completed)
		},
	}

	fss := o.Flags()
	logsapi.AddFlags(logOptions, fss.FlagSet("logs"))
	globalflag.AddGlobalFlags(fss.FlagSet("global"), cmd.Name(), logs.SkipLoggingConfigurationFlags())
	for _, f := range fss.FlagSets {
		cmd.Flags().AddFlagSet(f)
	}
	cols, _, _ := term.TerminalSize(cmd.OutOrStdout())
	cliflag.SetUsageAndHelpFunc(cmd, fss, cols)
	return cmd
}

// RunController runs the controllers with completed and validated options,
// and their endpoint unless it is off, until ctx is done and they have
// given back the leader lease.
func RunController(ctx context.Context, c options.CompletedControllerCommandOptions) error {
	config, err := c.ClientConfig()
	if err != nil {
		return err
	}
	controllerConfig, err := subcommandControllerConfig(c, config)
	if err != nil {
		return err
	}
	defer func() { _ = controllerConfig.Data.Artifacts.Close() }()
	manager, err := newControllerManager(controllerConfig, c.QPS, c.Burst, config, config)
	if err != nil {
		return err
	}
	endpoint, err := newControllerEndpoint(c.Serving)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if endpoint != nil {
		stopped, err := endpoint.serve(ctx, manager)
		if err != nil {
			return err
		}
		// Serve until the controllers have stopped and given back the
		// lease.
		defer func() { <-stopped }()
		defer cancel()
	}
	klog.FromContext(ctx).Info("Starting the controllers", "server", config.Host, "identity", manager.Identity())
	return manager.Run(ctx)
}

// subcommandControllerConfig is the controllers' configuration of the
// subcommand: the flags' and the artifact stores, built as the API server
// builds its own (the namespaces' Secrets read through config).
func subcommandControllerConfig(c options.CompletedControllerCommandOptions, config *rest.Config) (controller.Config, error) {
	kube, err := kubernetes.NewForConfig(config)
	if err != nil {
		return controller.Config{}, fmt.Errorf("kubernetes client of the artifact stores: %w", err)
	}
	artifacts, err := c.ArtifactResolver(kube)
	if err != nil {
		return controller.Config{}, err
	}
	cc := c.Controller
	cc.Data.Artifacts = artifacts
	return cc, nil
}
