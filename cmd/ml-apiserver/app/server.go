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
	"k8s.io/apiserver/pkg/storage/storagebackend"
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
			completed, err := o.Complete()
			if err != nil {
				return err
			}
			if err := completed.Validate(); err != nil {
				return err
			}
			return Run(c.Context(), completed, nil)
		},
	}
	cmd.SetContext(ctx)
	cmd.AddCommand(NewControllerCommand())
	cmd.AddCommand(NewEtcdRecoverCommand())
	cmd.AddCommand(NewArtifactCommand())

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

// Started is called once the server serves requests. Tests use it to
// learn when and how to connect.
type Started func(ServerInfo)

// ServerInfo is how to reach a started server.
type ServerInfo struct {
	// Kubeconfig is the path of the admin kubeconfig in standalone mode;
	// empty otherwise.
	Kubeconfig string
	// Address is host:port of the HTTPS listener.
	Address string
	// Etcd is how the server reaches the etcd of its objects: the
	// embedded etcd's address and client certificate once it runs.
	Etcd storagebackend.TransportConfig
}

// Run starts the server with completed and validated options and blocks
// until ctx is done: the embedded etcd when no --etcd-servers are given
// (reachable only with the client certificate it makes for the server),
// the PKI of standalone mode, the configuration, the server, the
// controllers. The embedded etcd is stopped after the server has shut
// down.
func Run(ctx context.Context, c options.CompletedOptions, started Started) error {
	logger := klog.FromContext(ctx)
	if c.Standalone || c.EmbeddedEtcd {
		if err := standalone.SecureDir(ctx, c.DataDir); err != nil {
			return err
		}
	}
	if c.EmbeddedEtcd {
		etcd, err := standalone.StartEtcd(ctx, c.EmbeddedEtcdOptions())
		if err != nil {
			return err
		}
		defer etcd.Close()
		c = c.WithEmbeddedEtcd(etcd.ClientURL(), etcd.PKI().ClientTLSInfo())
	}
	if c.Standalone {
		if err := c.PKI.Ensure(c.ServingHosts()); err != nil {
			return fmt.Errorf("standalone certificates: %w", err)
		}
		logger.Info("Standalone mode: no core Kubernetes API, so priority and fairness and the admission plugins NamespaceLifecycle, MutatingAdmissionPolicy, ValidatingAdmissionPolicy and the admission webhooks are off; only the admin identity is authorized",
			"dataDir", c.DataDir)
	}

	config, err := c.Config()
	if err != nil {
		return err
	}
	if dataEtcd := config.ExtraConfig.DataEtcd; dataEtcd != nil {
		defer func() { _ = dataEtcd.Close() }()
	}
	defer func() { _ = config.ExtraConfig.Artifacts.Close() }()
	rt, err := newLocalRuntime(c, config.ExtraConfig.Artifacts)
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
	stopSpaceCheck, err := addEtcdSpaceCheck(ctx, server.GenericAPIServer, c, config.ExtraConfig.DataEtcd)
	if err != nil {
		return err
	}
	defer stopSpaceCheck()
	waitForControllers := addControllers(ctx, server, c, config, rt)
	info := ServerInfo{Address: c.ServingAddress, Etcd: c.RecommendedOptions.Etcd.StorageConfig.Transport}
	if c.Standalone {
		info.Kubeconfig = c.KubeconfigPath
	}
	server.GenericAPIServer.AddPostStartHookOrDie("ml-apiserver-ready", func(hookCtx genericapiserver.PostStartHookContext) error {
		if c.Standalone {
			if err := standalone.WriteKubeconfig(c.KubeconfigPath, "https://"+c.ServingAddress, c.PKI, c.PKI.AdminCertFile(), c.PKI.AdminKeyFile()); err != nil {
				return err
			}
		}
		if started != nil {
			started(info)
		}
		return nil
	})
	if c.Standalone {
		fmt.Fprintf(os.Stderr, "ml-apiserver standalone: serving on https://%s\n  export KUBECONFIG=%s\n  kubectl get ml\n",
			c.ServingAddress, c.KubeconfigPath)
	}
	err = server.GenericAPIServer.PrepareRun().RunWithContext(ctx)
	waitForControllers()
	return err
}
