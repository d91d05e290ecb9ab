package options

import (
	"github.com/spf13/pflag"

	genericoptions "k8s.io/apiserver/pkg/server/options"
)

// DefaultControllerSecurePort is the port on which `ml-apiserver
// controller` serves /healthz, /readyz, /livez and /metrics.
const DefaultControllerSecurePort = 10271

// ControllerServingOptions are the flags of the HTTPS endpoint of
// `ml-apiserver controller`, as kube-controller-manager has them: health
// checks for probes (allowed without authentication) and Prometheus
// /metrics (workqueues, client-go requests, leader election) for whoever
// kube-apiserver authorizes to get the non-resource URL /metrics.
type ControllerServingOptions struct {
	SecureServing  *genericoptions.SecureServingOptions
	Authentication *genericoptions.DelegatingAuthenticationOptions
	Authorization  *genericoptions.DelegatingAuthorizationOptions
}

// NewControllerServingOptions returns the defaults: port 10271 on every
// address, a self-signed certificate unless --tls-cert-file is given,
// authentication and authorization delegated to kube-apiserver (through
// --kubeconfig unless --authentication-kubeconfig and
// --authorization-kubeconfig say otherwise).
func NewControllerServingOptions() *ControllerServingOptions {
	s := genericoptions.NewSecureServingOptions()
	s.BindPort = DefaultControllerSecurePort
	s.ServerCert.PairName = "ml-controller"
	// In memory: a generated certificate is not written to the working directory.
	s.ServerCert.CertDirectory = ""
	s.Required = false
	authn := genericoptions.NewDelegatingAuthenticationOptions()
	authn.RemoteKubeConfigFileOptional = true
	authz := genericoptions.NewDelegatingAuthorizationOptions()
	authz.RemoteKubeConfigFileOptional = true
	return &ControllerServingOptions{SecureServing: s, Authentication: authn, Authorization: authz}
}

// AddFlags adds the serving flags to fs.
func (o *ControllerServingOptions) AddFlags(fs *pflag.FlagSet) {
	o.SecureServing.AddFlags(fs)
	o.Authentication.AddFlags(fs)
	o.Authorization.AddFlags(fs)
	if f := fs.Lookup("secure-port"); f != nil {
		f.Usage = "The port on which to serve HTTPS /healthz, /readyz, /livez and /metrics. 0 turns the endpoint off."
	}
}

// Validate checks the serving flags.
func (o *ControllerServingOptions) Validate() []error {
	errs := o.SecureServing.Validate()
	errs = append(errs, o.Authentication.Validate()...)
	errs = append(errs, o.Authorization.Validate()...)
	return errs
}

// Enabled says whether the endpoint is served.
func (o *ControllerServingOptions) Enabled() bool {
	return o.SecureServing.BindPort > 0
}

// Complete returns a copy of the options whose delegated authentication
// and authorization use kubeconfig where no kubeconfig of their own was
// given; o is not changed.
func (o *ControllerServingOptions) Complete(kubeconfig string) *ControllerServingOptions {
	ss := *o.SecureServing
	authn := *o.Authentication
	authz := *o.Authorization
	if authn.RemoteKubeConfigFile == "" {
		authn.RemoteKubeConfigFile = kubeconfig
	}
	if authz.RemoteKubeConfigFile == "" {
		authz.RemoteKubeConfigFile = kubeconfig
	}
	return &ControllerServingOptions{SecureServing: &ss, Authentication: &authn, Authorization: &authz}
}
