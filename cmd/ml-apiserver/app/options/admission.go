package options

import (
	"fmt"
	"io"
	"slices"

	"k8s.io/apiserver/pkg/admission"
	admissionmetrics "k8s.io/apiserver/pkg/admission/metrics"
	genericapiserver "k8s.io/apiserver/pkg/server"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	mladmission "ml.example.io/ml-apiserver/pkg/admission"
	"ml.example.io/ml-apiserver/pkg/admission/initializer"
	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
)

// The rate limit of the client admission plugins write their records
// with (MLQuota's usage records: two requests per charged write).
const (
	admissionRecordQPS   = 200
	admissionRecordBurst = 400
)

// addAdmission registers the plugins of ml.example.io with the generic
// admission options, in the order of mladmission.PluginOrder, so that
// --enable-admission-plugins and --disable-admission-plugins know them.
func (o *Options) addAdmission() {
	a := o.RecommendedOptions.Admission
	mladmission.Register(a.Plugins)
	a.RecommendedPluginOrder = slices.Clone(mladmission.PluginOrder)
	o.RecommendedOptions.ExtraAdmissionInitializers = func(c *genericapiserver.RecommendedConfig) ([]admission.PluginInitializer, error) {
		if o.Standalone {
			return nil, nil // applyStandaloneAdmission builds the chain
		}
		return o.admissionInitializers(c)
	}
}

// admissionInitializers gives our plugins informers and a client of our
// group, read through the loopback connection; the informers start once
// the server serves.
func (o *Options) admissionInitializers(c *genericapiserver.RecommendedConfig) ([]admission.PluginInitializer, error) {
	client, err := versioned.NewForConfig(c.LoopbackClientConfig)
	if err != nil {
		return nil, fmt.Errorf("admission client of ml.example.io: %w", err)
	}
	factory := externalversions.NewSharedInformerFactory(client, 0)
	if err := c.AddPostStartHook("ml-admission-informers", func(ctx genericapiserver.PostStartHookContext) error {
		factory.Start(ctx.Done())
		return nil
	}); err != nil {
		return nil, err
	}
	var recordClient kubernetes.Interface
	if c.ClientConfig != nil {
		cfg := rest.CopyConfig(c.ClientConfig)
		cfg.QPS, cfg.Burst = admissionRecordQPS, admissionRecordBurst
		if recordClient, err = kubernetes.NewForConfig(cfg); err != nil {
			return nil, fmt.Errorf("admission record client: %w", err)
		}
	}
	return []admission.PluginInitializer{initializer.New(factory, client, o.Controllers.Namespace, recordClient)}, nil
}

// applyStandaloneAdmission builds the admission chain of standalone mode:
// there is no core Kubernetes API, so only the plugins that need none run
// (mladmission.StandalonePlugins), less those disabled by
// --disable-admission-plugins.
func (o *Options) applyStandaloneAdmission(c *genericapiserver.RecommendedConfig, a *genericoptions.AdmissionOptions) error {
	if a == nil {
		return nil
	}
	var names []string
	for _, name := range mladmission.StandalonePlugins {
		if !slices.Contains(a.DisablePlugins, name) {
			names = append(names, name)
		}
	}
	initializers, err := o.admissionInitializers(c)
	if err != nil {
		return err
	}
	chain, err := a.Plugins.NewFromPlugins(names, noPluginConfig{}, admission.PluginInitializers(initializers), a.Decorators)
	if err != nil {
		return err
	}
	c.AdmissionControl = admissionmetrics.WithStepMetrics(chain)
	return nil
}

// noPluginConfig is the configuration of plugins that take none.
type noPluginConfig struct{}

func (noPluginConfig) ConfigFor(string) (io.Reader, error) { return nil, nil }
