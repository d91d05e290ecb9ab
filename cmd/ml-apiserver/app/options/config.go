package options

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"ml.example.io/ml-apiserver/pkg/apiserver"
	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
	"ml.example.io/ml-apiserver/pkg/controller"
	"ml.example.io/ml-apiserver/pkg/standalone"
)

// Config builds the server configuration from the completed options; it
// changes nothing in them. In standalone mode the PKI must exist (see
// standalone.PKI.Ensure). The caller closes ExtraConfig.DataEtcd.
func (c CompletedOptions) Config() (*apiserver.Config, error) {
	// ApplyTo creates the listener in SecureServing: on a copy.
	ro := copyRecommendedOptions(c.RecommendedOptions)
	// The generic options store with StorageConfig.Codec as it is:
	// --storage-media-type takes effect through the codec.
	codec, err := scheme.StorageCodec(c.storageMediaType())
	if err != nil {
		return nil, err
	}
	ro.Etcd.StorageConfig.Codec = codec
	serverConfig, err := apiserver.NewRecommendedConfig(ro.ApplyTo)
	if err != nil {
		return nil, err
	}
	var metricsWriters *standalone.MetricsWriterAuthorizer
	if c.Standalone {
		admission, err := c.standaloneAdmission(serverConfig)
		if err != nil {
			return nil, err
		}
		if metricsWriters, err = standalone.ApplyTo(serverConfig, admission); err != nil {
			return nil, err
		}
	}
	extra, err := c.extraConfig(serverConfig)
	if err != nil {
		return nil, err
	}
	c.Logs.ApplyTo(&extra)
	if metricsWriters != nil {
		extra.MetricsOwners = metricsWriters
	}
	c.DataLimits.ApplyTo(&extra, c.embeddedEtcdQuota())
	c.Limits.ApplyTo(&extra)
	c.WhenCEL.ApplyTo(&extra)
	c.FanOut.ApplyTo(&extra)
	// Model sources on the server's host (file://) are standalone's only.
	extra.Validation.ForbidLocalFiles = !c.Standalone
	c.Tuning.ApplyTo(&extra)
	c.Events.ApplyTo(&extra, c.Standalone)
	extra.StorageMediaType = c.storageMediaType()
	c.Profiles.ApplyTo(&extra, c.Standalone, serverConfig.Authorization.Authorizer)
	if extra.Artifacts, err = c.Artifacts.Resolver(c.Standalone, c.DataDir, extra.KubeClient); err != nil {
		return nil, err
	}
	return &apiserver.Config{GenericConfig: serverConfig, ExtraConfig: extra}, nil
}

// storageMediaType is the encoding objects are stored in
// (--storage-media-type; JSON when empty, as in k8s.io/apiserver).
func (c CompletedOptions) storageMediaType() string {
	if t := c.RecommendedOptions.Etcd.DefaultStorageMediaType; t != "" {
		return t
	}
	return runtime.ContentTypeJSON
}

// standaloneAdmission is what standalone mode builds its admission chain
// from; nil when the flags' admission options are off.
func (c CompletedOptions) standaloneAdmission(sc *genericapiserver.RecommendedConfig) (*standalone.Admission, error) {
	// The completed generic options have no admission in this mode (the
	// generic chain needs a core API): the flags' options say which
	// plugins are disabled.
	a := c.flagAdmission
	if a == nil {
		return nil, nil
	}
	initializers, err := apiserver.AdmissionInitializers(sc, c.Controllers.Namespace)
	if err != nil {
		return nil, err
	}
	initializers = append(initializers, c.Nesting.Initializer())
	return &standalone.Admission{
		Plugins:      a.Plugins,
		Disabled:     a.DisablePlugins,
		Decorators:   a.Decorators,
		Initializers: initializers,
	}, nil
}

// extraConfig connects to the data etcd and, in aggregated mode, to
// kube-apiserver. The caller closes ExtraConfig.DataEtcd.
func (c CompletedOptions) extraConfig(serverConfig *genericapiserver.RecommendedConfig) (apiserver.ExtraConfig, error) {
	extra := apiserver.ExtraConfig{MetricsMaxPointsPerSeries: c.DataStore.MetricsMaxPointsPerSeries}
	if serverConfig.ClientConfig != nil {
		kubeConfig := rest.CopyConfig(serverConfig.ClientConfig)
		kubeConfig.QPS, kubeConfig.Burst = c.Logs.KubeAPIQPS, c.Logs.KubeAPIBurst
		kube, err := kubernetes.NewForConfig(kubeConfig)
		if err != nil {
			return extra, fmt.Errorf("kube-apiserver client: %w", err)
		}
		extra.KubeClient = kube
	}
	client, err := c.DataStore.NewEtcdClient(c.RecommendedOptions.Etcd.StorageConfig.Transport)
	if err != nil {
		return extra, err
	}
	extra.DataEtcd = client
	return extra, nil
}

// embeddedEtcdQuota is the quota of the embedded etcd when it also holds
// logs and metrics; 0 for etcd's default, an external etcd, or a separate
// data etcd.
func (c CompletedOptions) embeddedEtcdQuota() int64 {
	if !c.EmbeddedEtcd || len(c.DataStore.EtcdServers) > 0 {
		return 0
	}
	return c.EtcdQuotaBackendBytes
}

// ControllerConfig is the configuration of the bundled controllers.
func (c CompletedOptions) ControllerConfig() controller.Config {
	config := c.Controllers.Config()
	c.Limits.ApplyToController(&config)
	c.WhenCEL.ApplyToController(&config)
	c.FanOut.ApplyToController(&config)
	c.ArtifactPods.ApplyToController(&config, c.Artifacts)
	if c.Standalone {
		// Models may serve the files local processes may read anyway.
		config.ModelFiles.LocalRoots = append(append([]string(nil), c.Local.ReadOnlyPaths...), c.Local.ReadWritePaths...)
	}
	return config
}
