// Package dashboard is `kubectl ml dashboard`: the web dashboard of
// pkg/dashboard served on a loopback address with the credentials of the
// user's kubeconfig, until interrupted.
package dashboard

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"

	"ml.example.io/ml-apiserver/pkg/dashboard"
)

// TokenEnv, when set, is the token of the URL instead of a random one (for
// scripts and tests that need a known URL). It is read from the
// environment, never from a flag, so that it does not show in the process
// list.
const TokenEnv = "KUBECTL_ML_DASHBOARD_TOKEN"

const example = `  # Serve the dashboard on a free port of 127.0.0.1 and print its URL
  kubectl ml dashboard

  # On a fixed port, opening the namespace team-a, with the standalone server's kubeconfig
  KUBECONFIG=~/.ml-apiserver/kubeconfig kubectl ml dashboard --port 8080 -n team-a`

// Options are the flags of `kubectl ml dashboard`.
type Options struct {
	Address string
	Port    int

	flags *genericclioptions.ConfigFlags
	genericiooptions.IOStreams
}

// NewCmdDashboard returns the dashboard command; flags give the
// kubeconfig, context and namespace.
func NewCmdDashboard(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{Address: "127.0.0.1", flags: flags, IOStreams: streams}
	cmd := &cobra.Command{
		Use:                   "dashboard [--port PORT] [--address ADDRESS]",
		DisableFlagsInUseLine: true,
		Short:                 "Serve the web dashboard on this machine with your kubeconfig's credentials",
		Long: `Serve the web dashboard on a loopback address and print its URL. Open
the URL in a browser on this machine: the pages show the objects of
ml.example.io live (runs as graphs, jobs with their metric curves, tuning
jobs with their trials) and forward every API call with the credentials of
your kubeconfig, so they show what your RBAC allows, no more.

The URL carries a random token; requests without it are refused, as are
requests for another Host or from another site's page. The dashboard stops
with Ctrl+C.`,
		Example: example,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return cmdutil.UsageErrorf(c, "unexpected arguments: %v", args)
			}
			if err := o.Validate(c); err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return o.Run(ctx)
		},
	}
	cmd.Flags().IntVar(&o.Port, "port", o.Port, "The port to listen on; 0 picks a free port.")
	cmd.Flags().StringVar(&o.Address, "address", o.Address, "The loopback address to listen on: 127.0.0.1, ::1 or localhost. Other addresses are refused.")
	return cmd
}

// Validate checks the flags.
func (o *Options) Validate(c *cobra.Command) error {
	if o.Port < 0 || o.Port > 65535 {
		return cmdutil.UsageErrorf(c, "--port must be 0 (a free port) to 65535, not %d", o.Port)
	}
	if err := dashboard.ValidateAddress(o.Address); err != nil {
		return cmdutil.UsageErrorf(c, "--address: %v", err)
	}
	return nil
}

// Run serves the dashboard until ctx ends.
func (o *Options) Run(ctx context.Context) error {
	config, err := o.flags.ToRESTConfig()
	if err != nil {
		return err
	}
	loader := o.flags.ToRawKubeConfigLoader()
	ns, _, err := loader.Namespace()
	if err != nil {
		return err
	}
	raw, err := loader.RawConfig()
	if err != nil {
		return err
	}
	contextName := raw.CurrentContext
	if o.flags.Context != nil && *o.flags.Context != "" {
		contextName = *o.flags.Context
	}
	s, err := dashboard.New(dashboard.Config{
		REST:      config,
		Namespace: ns,
		Address:   o.Address,
		Port:      o.Port,
		Token:     os.Getenv(TokenEnv),
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "Serving the dashboard of %s (context %q, namespace %s) at:\n\n    %s\n\nOpen that URL in a browser on this machine; it carries the token the dashboard asks for. Press Ctrl+C to stop.\n",
		config.Host, contextName, ns, s.LoginURL())
	return s.Serve(ctx)
}
