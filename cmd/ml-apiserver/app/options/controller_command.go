package options

import (
	"errors"
	"fmt"

	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	cliflag "k8s.io/component-base/cli/flag"

	"ml.example.io/ml-apiserver/pkg/controller"
)

// ControllerCommandOptions are the flags of `ml-apiserver controller`: the
// cluster, the controllers, their limits and the HTTPS endpoint of health
// checks and metrics.
type ControllerCommandOptions struct {
	// Kubeconfig reaches kube-apiserver, with ml.example.io aggregated
	// into it; empty means $KUBECONFIG, then the in-cluster configuration.
	Kubeconfig  string
	Controllers *ControllerOptions
	Limits      *LimitOptions
	WhenCEL     *WhenCELOptions
	// ArtifactPods says how pods move their artifacts.
	ArtifactPods *ArtifactPodOptions
	Serving      *ControllerServingOptions
}

// NewControllerCommandOptions returns the defaults.
func NewControllerCommandOptions() *ControllerCommandOptions {
	return &ControllerCommandOptions{
		Controllers:  NewControllerOptions(),
		Limits:       NewLimitOptions(),
		WhenCEL:      NewWhenCELOptions(),
		ArtifactPods: NewArtifactPodOptions(),
		Serving:      NewControllerServingOptions(),
	}
}

// Flags returns the flags by section, for help output.
func (o *ControllerCommandOptions) Flags() cliflag.NamedFlagSets {
	var fss cliflag.NamedFlagSets
	fs := fss.FlagSet("controllers")
	fs.StringVar(&o.Kubeconfig, "kubeconfig", o.Kubeconfig,
		"Kubeconfig of the cluster: kube-apiserver, with ml.example.io aggregated into it.")
	o.Controllers.AddFlags(fs)
	o.Limits.AddControllerFlags(fs)
	o.WhenCEL.AddFlags(fs)
	o.ArtifactPods.AddFlags(fs)
	o.Serving.AddFlags(fss.FlagSet("secure serving"))
	return fss
}

// completedControllerCommandOptions are the controller command's options
// with the controllers' configuration made and the endpoint's delegated
// authentication and authorization pointed at the cluster.
type completedControllerCommandOptions struct {
	// Controller configures the manager, the forEach cap included.
	Controller controller.Config
	// QPS and Burst limit the controllers' clients.
	QPS   float32
	Burst int
	// Kubeconfig is --kubeconfig; empty means $KUBECONFIG, then the
	// in-cluster configuration.
	Kubeconfig string
	// Serving is the endpoint's configuration; nil when --secure-port is 0.
	Serving *ControllerServingOptions

	options *ControllerCommandOptions
}

// CompletedControllerCommandOptions are ControllerCommandOptions after
// Complete.
type CompletedControllerCommandOptions struct {
	*completedControllerCommandOptions
}

// Complete makes the decisions that follow from the flags; o is not
// changed.
func (o *ControllerCommandOptions) Complete() (CompletedControllerCommandOptions, error) {
	c := &completedControllerCommandOptions{
		Controller: o.Controllers.Config(),
		QPS:        o.Controllers.KubeAPIQPS,
		Burst:      o.Controllers.KubeAPIBurst,
		Kubeconfig: o.Kubeconfig,
		options:    o,
	}
	o.Limits.ApplyToController(&c.Controller)
	o.WhenCEL.ApplyToController(&c.Controller)
	o.ArtifactPods.ApplyToController(&c.Controller, nil)
	if o.Serving.Enabled() {
		c.Serving = o.Serving.Complete(o.Kubeconfig)
	}
	return CompletedControllerCommandOptions{c}, nil
}

// Validate checks the options; it changes nothing.
func (c CompletedControllerCommandOptions) Validate() error {
	o := c.options
	errs := o.Controllers.Validate()
	errs = append(errs, o.Serving.Validate()...)
	errs = append(errs, o.Limits.Validate()...)
	errs = append(errs, o.WhenCEL.Validate()...)
	errs = append(errs, o.ArtifactPods.Validate()...)
	if len(errs) == 0 && !o.Controllers.Enabled() {
		errs = append(errs, errors.New("--controllers enables no controller"))
	}
	return utilerrors.NewAggregate(errs)
}

// ClientConfig loads the client configuration of the cluster: --kubeconfig,
// $KUBECONFIG, then the in-cluster configuration. It reaches kube-apiserver
// and, through it, ml.example.io.
func (c CompletedControllerCommandOptions) ClientConfig() (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = c.Kubeconfig
	config, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	return config, nil
}
