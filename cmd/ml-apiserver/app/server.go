// Package app is the ml-apiserver command: the API server (aggregated or
// standalone), which runs the bundled controllers when aggregated, and the
// controller subcommand, which runs them alone.
package app

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	genericapiserver "k8s.io/apiserver/pkg/server"
	cliflag "k8s.io/component-base/cli/flag"
	"k8s.io/component-base/cli/globalflag"
	"k8s.io/component-base/logs"
	logsapi "k8s.io/component-base/logs/api/v1"
	"k8s.io/component-base/term"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	"ml.example.io/ml-apiserver/pkg/standalone"
)

// NewServerCommand returns the ml-apiserver root command.
func NewServerCommand(ctx context.Context) *cobra.Command {
	o := options.NewOptions()
	logOptions := logs.NewOptions()
	cmd := &cobra.Command{
		Use:   "ml-apiserver",
		Short: "Kubernetes API server for the machine-learning lifecycle (ml.example.io)",
		Long: `ml-apiserver serves the ml.example.io API group: Pipelines, PipelineRuns,
TrainingJobs, Models and Notebooks. Run it behind kube-apiserver as an
aggregated API server, or alone with --standalone. Aggregated, it also runs
the bundled controllers; ` + "`ml-apiserver controller`" + ` runs only those.`,
		SilenceUsage: true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			return logsapi.ValidateAndApply(logOptions, nil)
		},
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) != 0 {
				return fmt.Errorf("unexpected arguments: %v", args)
			}
			if err := o.Complete(); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return Run(c.Context(), o, nil)
		},
	}
	cmd.SetContext(ctx)
	cmd.AddCommand(NewControllerCommand())
	cmd.AddCommand(NewEtcdRecoverCommand())

	fss := o.Flags()
	logsapi.AddFlags(logOptions, fss.FlagSet("logs"))
	globalflag.AddGlobalFlags(fss.FlagSet("global"), cmd.Name(), logs.SkipLoggingConfigurationFlags())
	fs := cmd.Flags()
	for _, f := range fss.FlagSets {
		fs.AddFlagSet(f)
	}
	cols, _, _ := term.TerminalSize(cmd.OutOrStdout())
	cliflag.SetUsageAndHelpFunc(cmd, fss, cols)
	return cmd
}

// Started is called once the server serves requests, with the kubeconfig
// path in standalone mode (empty otherwise). Tests use it to learn when to
// connect.
type Started func(kubeconfig string)

// Run starts the server with completed and validated options and blocks
// until ctx is done. An embedded etcd is started first when no
// --etcd-servers are given (reachable only with the client certificate
// it makes for the server), and stopped after the server has shut down.
func Run(ctx context.Context, o *options.Options, started Started) error {
	logger := klog.FromContext(ctx)
	embeddedEtcd := o.UsesEmbeddedEtcd()
	if o.Standalone || embeddedEtcd {
		if err := standalone.SecureDir(ctx, o.DataDir); err != nil {
			return err
		}
	}
	if embeddedEtcd {
		stop, err := startEmbeddedEtcd(ctx, o)
		if err != nil {
			return err
		}
		defer stop()
	}
	if o.Standalone {
		hosts, ips := o.ServingHosts()
		if err := o.PKI().Ensure(hosts, ips); err != nil {
			return fmt.Errorf("standalone certificates: %w", err)
		}
		logger.Info("Standalone mode: no core Kubernetes API, so priority and fairness and the admission plugins NamespaceLifecycle, MutatingAdmissionPolicy, ValidatingAdmissionPolicy and the admission webhooks are off; only the admin identity is authorized",
			"dataDir", o.DataDir)
	}

	config, err := o.Config()
	if err != nil {
		return err
	}
	if c := config.ExtraConfig.DataEtcd; c != nil {
		defer func() { _ = c.Close() }()
	}
	rt, err := newLocalRuntime(o)
	if err != nil {
		return err
	}
	if rt != nil && config.ExtraConfig.LogSource == nil {
		// Live logs come from the local processes' log files.
		config.ExtraConfig.LogSource = rt.LogSource()
	}
	server, err := config.Complete().New()
	if err != nil {
		return err
	}
	stopSpaceCheck, err := addEtcdSpaceCheck(ctx, server.GenericAPIServer, o, embeddedEtcd, config.ExtraConfig.DataEtcd)
	if err != nil {
		return err
	}
	defer stopSpaceCheck()
	waitForControllers := addControllers(ctx, server, o, config, rt)
	kubeconfig := ""
	if o.Standalone {
		kubeconfig = o.KubeconfigPath
	}
	server.GenericAPIServer.AddPostStartHookOrDie("ml-apiserver-ready", func(hookCtx genericapiserver.PostStartHookContext) error {
		if o.Standalone {
			if err := o.WriteKubeconfig(); err != nil {
				return err
			}
		}
		if started != nil {
			started(kubeconfig)
		}
		return nil
	})
	if o.Standalone {
		fmt.Fprintf(os.Stderr, "ml-apiserver standalone: serving on https://%s\n  export KUBECONFIG=%s\n  kubectl get ml\n",
			o.ServingAddress(), kubeconfig)
	}
	err = server.GenericAPIServer.PrepareRun().RunWithContext(ctx)
	waitForControllers()
	return err
}
