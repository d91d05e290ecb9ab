package standalone

import (
	"fmt"
	"io"
	"slices"

	"k8s.io/apiserver/pkg/admission"
	admissionmetrics "k8s.io/apiserver/pkg/admission/metrics"
	"k8s.io/apiserver/pkg/authorization/union"
	genericapiserver "k8s.io/apiserver/pkg/server"

	mladmission "ml.example.io/ml-apiserver/pkg/admission"
)

// Admission is what the admission chain of standalone mode is built from:
// the registered plugins, those disabled by --disable-admission-plugins,
// the decorators of the generic admission options and the initializers
// of ml.example.io's plugins.
type Admission struct {
	Plugins      *admission.Plugins
	Disabled     []string
	Decorators   admission.Decorators
	Initializers []admission.PluginInitializer
}

// ApplyTo makes a server configuration, built by the generic options
// without a core Kubernetes API, standalone mode's: the admission chain of
// the plugins that need no core API, no anonymous requests, and the
// metrics writers' authorizer ahead of the admin-only one. It returns the
// metrics writers' authorizer, which needs the server's objects
// (apiserver.ExtraConfig.MetricsOwners). A nil a leaves admission off.
func ApplyTo(c *genericapiserver.RecommendedConfig, a *Admission) (*MetricsWriterAuthorizer, error) {
	if a != nil {
		chain, err := a.chain()
		if err != nil {
			return nil, err
		}
		c.AdmissionControl = chain
	}
	// The delegating authenticator ignores Authentication.Anonymous and
	// always admits anonymous requests.
	c.Authentication.Authenticator = WithoutAnonymous(c.Authentication.Authenticator)
	// The processes of an object push its metrics with a client
	// certificate that allows exactly that while the object exists (see
	// MetricsCredentials).
	writers := NewMetricsWriterAuthorizer()
	authz, err := union.New(
		union.NamedAuthorizer{AuthorizerName: "ml-metrics-writers", Authorizer: writers},
		union.NamedAuthorizer{AuthorizerName: "standalone", Authorizer: c.Authorization.Authorizer},
	)
	if err != nil {
		return nil, err
	}
	c.Authorization.Authorizer = authz
	return writers, nil
}

// chain builds the admission chain of standalone mode: there is no core
// Kubernetes API, so only the plugins that need none run
// (mladmission.StandalonePlugins), less the disabled ones.
func (a *Admission) chain() (admission.Interface, error) {
	var names []string
	for _, name := range mladmission.StandalonePlugins {
		if !slices.Contains(a.Disabled, name) {
			names = append(names, name)
		}
	}
	chain, err := a.Plugins.NewFromPlugins(names, noPluginConfig{}, admission.PluginInitializers(a.Initializers), a.Decorators)
	if err != nil {
		return nil, fmt.Errorf("standalone admission chain: %w", err)
	}
	return admissionmetrics.WithStepMetrics(chain), nil
}

// noPluginConfig is the configuration of plugins that take none.
type noPluginConfig struct{}

func (noPluginConfig) ConfigFor(string) (io.Reader, error) { return nil, nil }
