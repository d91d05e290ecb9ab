// Package version is `kubectl ml version`: the plugin's build version and
// the version the server reports, as `kubectl version` prints them.
package version

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"
	apimachineryversion "k8s.io/apimachinery/pkg/version"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	componentversion "k8s.io/component-base/version"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"sigs.k8s.io/yaml"

	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/util"
)

// Version is what -o json|yaml prints, with kubectl's field names.
type Version struct {
	ClientVersion *apimachineryversion.Info `json:"clientVersion,omitempty"`
	ServerVersion *apimachineryversion.Info `json:"serverVersion,omitempty"`
}

const example = `  # The plugin's version and the server's
  kubectl ml version

  # Only the plugin's, as JSON
  kubectl ml version --client -o json`

// Options are the flags of `kubectl ml version`.
type Options struct {
	ClientOnly bool
	Output     string

	factory *util.Factory
	genericiooptions.IOStreams
}

// NewCmdVersion returns the version command.
func NewCmdVersion(f *util.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{factory: f, IOStreams: streams}
	cmd := &cobra.Command{
		Use:                   "version [--client] [-o json|yaml]",
		DisableFlagsInUseLine: true,
		Short:                 "Print the client and server version information",
		Long: `Print the version of the kubectl ml plugin and the version the server
reports: ml-apiserver's in standalone mode, kube-apiserver's when
ml-apiserver is aggregated behind it.`,
		Example: example,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return cmdutil.UsageErrorf(c, "unexpected arguments: %v", args)
			}
			if err := o.Validate(c); err != nil {
				return err
			}
			return o.Run()
		},
	}
	cmd.Flags().BoolVar(&o.ClientOnly, "client", o.ClientOnly, "If true, shows client version only (no server required).")
	cmd.Flags().StringVarP(&o.Output, "output", "o", o.Output, "One of 'yaml' or 'json'.")
	return cmd
}

// Validate checks the output format.
func (o *Options) Validate(c *cobra.Command) error {
	if o.Output != "" && o.Output != "json" && o.Output != "yaml" {
		return cmdutil.UsageErrorf(c, "--output must be 'yaml' or 'json'")
	}
	return nil
}

// Run prints the versions. Like kubectl, it prints the client's version
// even when the server cannot be asked, and then fails.
func (o *Options) Run() error {
	client := componentversion.Get()
	v := Version{ClientVersion: &client}
	var serverErr error
	if !o.ClientOnly {
		v.ServerVersion, serverErr = o.serverVersion()
	}
	switch o.Output {
	case "":
		fmt.Fprintf(o.Out, "Client Version: %s\n", client.GitVersion)
		if v.ServerVersion != nil {
			fmt.Fprintf(o.Out, "Server Version: %s\n", v.ServerVersion.GitVersion)
		}
	case "json":
		data, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintln(o.Out, string(data))
	case "yaml":
		data, err := yaml.Marshal(v)
		if err != nil {
			return err
		}
		fmt.Fprint(o.Out, string(data))
	}
	return serverErr
}

func (o *Options) serverVersion() (*apimachineryversion.Info, error) {
	dc, err := o.factory.DiscoveryClient()
	if err != nil {
		return nil, err
	}
	return dc.ServerVersion()
}
