package options

import (
	"errors"
	"fmt"

	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	cliflag "k8s.io/component-base/cli/flag"

	"ml.example.io/ml-apiserver/pkg/controller"
	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
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
	FanOut      *FanOutOptions
	// ArtifactPods says how pods move their artifacts.
	ArtifactPods *ArtifactPodOptions
	// Artifacts are the artifact store flags of the API server: the
	// namespaces' Secret, the caps and, optionally, the store of
	// namespaces without a Secret (which the Model controller checks
	// sources in). Give the controllers the same values as the servers.
	Artifacts *ArtifactOptions
	Serving   *ControllerServingOptions
}

// NewControllerCommandOptions returns the defaults.
func NewControllerCommandOptions() *ControllerCommandOptions {
	return &ControllerCommandOptions{
		Controllers:  NewControllerOptions(),
		Limits:       NewLimitOptions(),
		WhenCEL:      NewWhenCELOptions(),
		FanOut:       NewFanOutOptions(),
		ArtifactPods: NewArtifactPodOptions(),
		Artifacts:    NewArtifactOptions(),
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
	o.FanOut.AddControllerFlags(fs)
	o.ArtifactPods.AddFlags(fs)
	o.Artifacts.AddFlags(fss.FlagSet("artifacts"))
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
	o.FanOut.ApplyToController(&c.Controller)
	o.ArtifactPods.ApplyToController(&c.Controller, o.Artifacts)
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
	errs = append(errs, o.FanOut.Validate()...)
	errs = append(errs, o.ArtifactPods.Validate()...)
	errs = append(errs, o.Artifacts.Validate(false)...)
	if len(errs) == 0 && !o.Controllers.Enabled() {
		errs = append(errs, errors.New("--controllers enables no controller"))
	}
	return utilerrors.NewAggregate(errs)
}

// ArtifactResolver builds the artifact stores the controllers use, as the
// API server builds its own from the same flags: the store of
// --artifact-store (none by default) and the namespaces' Secrets, read
// with kube.
func (c CompletedControllerCommandOptions) ArtifactResolver(kube kubernetes.Interface) (*artifactstore.Resolver, error) {
	return c.options.Artifacts.Resolver(false, "", kube)
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
