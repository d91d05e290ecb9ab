// Package options holds every flag of ml-apiserver and turns them into a
// server configuration: Options -> Complete -> Validate -> Config.
package options

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apiserver/pkg/authorization/union"
	"k8s.io/apiserver/pkg/endpoints/openapi"
	genericapiserver "k8s.io/apiserver/pkg/server"
	genericfilters "k8s.io/apiserver/pkg/server/filters"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	"k8s.io/apiserver/pkg/util/compatibility"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	cliflag "k8s.io/component-base/cli/flag"
	netutils "k8s.io/utils/net"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/apiserver"
	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
	"ml.example.io/ml-apiserver/pkg/authn/certcache"
	generatedopenapi "ml.example.io/ml-apiserver/pkg/generated/openapi"
	"ml.example.io/ml-apiserver/pkg/standalone"
)

// EtcdPathPrefix is the etcd key prefix of every object of the group.
const EtcdPathPrefix = "/registry/ml.example.io"

// DefaultSecurePort is the HTTPS port when --secure-port is not given.
const DefaultSecurePort = 8443

// Options are the flags of the API server.
type Options struct {
	RecommendedOptions *genericoptions.RecommendedOptions

	// Standalone runs without a Kubernetes cluster: embedded etcd, a private
	// CA, client-certificate authentication and an admin-only authorizer.
	Standalone bool
	// DataDir holds the embedded etcd data, the certificates and the
	// kubeconfig of standalone mode.
	DataDir string
	// KubeconfigPath is where standalone mode writes the admin kubeconfig
	// (default DataDir/kubeconfig).
	KubeconfigPath string
	// EtcdQuotaBackendBytes is the space quota of the embedded etcd.
	EtcdQuotaBackendBytes int64
	// EtcdAutoCompactionRetention is the history the embedded etcd keeps.
	EtcdAutoCompactionRetention time.Duration
	// AlternateDNS are extra names of the self-signed serving certificate.
	AlternateDNS []string
	// EmbeddedEtcdUnsafeNoFsync skips fsync in the embedded etcd. Tests and
	// benchmarks set it; there is no flag for it.
	EmbeddedEtcdUnsafeNoFsync bool
	// Controllers configures the bundled controllers, which the server runs
	// in aggregated mode.
	Controllers *ControllerOptions
	// DataStore says where logs and metric points are kept.
	DataStore *DataStoreOptions
	// Logs configures the log subresources and the log archive.
	Logs *LogOptions
	// MetricsCredentials configures the metrics certificates of standalone
	// mode's processes.
	MetricsCredentials *MetricsCredentialOptions
	// LocalRuntime bounds the processes of standalone mode.
	LocalRuntime *LocalRuntimeOptions
	// DataLimits bound the logs and metrics keyspaces.
	DataLimits *DataLimitsOptions
	// Limits are the caps objects are validated against.
	Limits *LimitOptions
	// Local configures the processes of standalone mode.
	Local *LocalOptions
	// Events configures the core/v1 Events of standalone mode.
	Events *EventOptions
}

// NewOptions returns options with the defaults of an aggregated server.
func NewOptions() *Options {
	o := &Options{
		RecommendedOptions: genericoptions.NewRecommendedOptions(
			EtcdPathPrefix,
			scheme.Codecs.LegacyCodec(mlv1alpha1.SchemeGroupVersion),
		),
		DataDir:            defaultDataDir(),
		Controllers:        NewControllerOptions(),
		DataStore:          NewDataStoreOptions(),
		Logs:               NewLogOptions(),
		MetricsCredentials: NewMetricsCredentialOptions(),
		LocalRuntime:       NewLocalRuntimeOptions(),
		DataLimits:         NewDataLimitsOptions(),
		Limits:             NewLimitOptions(),
		Local:              NewLocalOptions(),
		Events:             NewEventOptions(),
	}
	o.EtcdAutoCompactionRetention = standalone.DefaultEtcdAutoCompactionRetention
	o.RecommendedOptions.Etcd.StorageConfig.EncodeVersioner = runtime.NewMultiGroupVersioner(
		mlv1alpha1.SchemeGroupVersion, schema.GroupKind{Group: mlv1alpha1.GroupName})
	o.RecommendedOptions.SecureServing.BindPort = DefaultSecurePort
	o.addAdmission()
	return o
}

func defaultDataDir() string {
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".ml-apiserver")
	}
	return ".ml-apiserver"
}

// Flags returns the flags by section, for help output.
func (o *Options) Flags() cliflag.NamedFlagSets {
	var fss cliflag.NamedFlagSets
	fs := fss.FlagSet("ml-apiserver")
	fs.BoolVar(&o.Standalone, "standalone", o.Standalone,
		"Run on one machine without a Kubernetes cluster: embedded etcd (unless --etcd-servers is given), "+
			"a CA and certificates generated in --data-dir, client-certificate authentication, and only the admin identity authorized.")
	fs.StringVar(&o.DataDir, "data-dir", o.DataDir,
		"Directory for the embedded etcd data, and in standalone mode the certificates and the admin kubeconfig. Kept across restarts.")
	fs.StringVar(&o.KubeconfigPath, "write-kubeconfig", o.KubeconfigPath,
		"Standalone mode: where to write the admin kubeconfig (default <data-dir>/kubeconfig).")
	fs.Int64Var(&o.EtcdQuotaBackendBytes, "embedded-etcd-quota-backend-bytes", o.EtcdQuotaBackendBytes,
		"Space quota of the embedded etcd in bytes (0 means etcd's default of 2 GiB).")
	o.addEmbeddedEtcdFlags(fs)
	fs.StringSliceVar(&o.AlternateDNS, "alternate-dns", o.AlternateDNS,
		"Extra DNS names for a generated serving certificate.")
	o.DataStore.AddFlags(fs)
	o.Logs.AddFlags(fs)
	o.MetricsCredentials.AddFlags(fs)
	o.LocalRuntime.AddFlags(fs)
	o.DataLimits.AddFlags(fs)
	o.Limits.AddFlags(fs)
	o.Local.AddFlags(fs)
	o.Events.AddFlags(fs)
	o.Controllers.AddFlags(fss.FlagSet("controllers"))
	o.RecommendedOptions.AddFlags(fss.FlagSet("generic"))
	utilfeature.DefaultMutableFeatureGate.AddFlag(fss.FlagSet("features"))
	return fss
}

// AddFlags adds every flag to fs.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	for _, f := range o.Flags().FlagSets {
		fs.AddFlagSet(f)
	}
}

// UsesEmbeddedEtcd says whether the server starts its own etcd: when no
// --etcd-servers are given.
func (o *Options) UsesEmbeddedEtcd() bool {
	return len(o.RecommendedOptions.Etcd.StorageConfig.Transport.ServerList) == 0
}

// Complete fills in what follows from other options. It must run before
// Validate and Config.
func (o *Options) Complete() error {
	if o.KubeconfigPath == "" {
		o.KubeconfigPath = filepath.Join(o.DataDir, "kubeconfig")
	}
	if !o.Standalone {
		o.RecommendedOptions.SecureServing.ServerCert.CertDirectory = filepath.Join(o.DataDir, "serving-certs")
		return nil
	}
	ro := o.RecommendedOptions
	if ro.SecureServing.BindAddress == nil || ro.SecureServing.BindAddress.IsUnspecified() {
		ro.SecureServing.BindAddress = netutils.ParseIPSloppy("127.0.0.1")
	}
	pki := o.PKI()
	if ro.SecureServing.ServerCert.CertKey.CertFile == "" {
		ro.SecureServing.ServerCert.CertKey.CertFile = pki.ServingCertFile()
		ro.SecureServing.ServerCert.CertKey.KeyFile = pki.ServingKeyFile()
	}
	authn := ro.Authentication
	authn.RemoteKubeConfigFileOptional = true
	authn.SkipInClusterLookup = true
	if authn.ClientCert.ClientCA == "" {
		authn.ClientCert.ClientCA = pki.CACertFile()
	}
	ro.Authorization.RemoteKubeConfigFileOptional = true
	return nil
}

// Validate checks the completed options.
func (o *Options) Validate() error {
	var errs []error
	if o.UsesEmbeddedEtcd() {
		// The embedded etcd's address is known only once it runs; validate
		// the other etcd options against a stand-in.
		transport := &o.RecommendedOptions.Etcd.StorageConfig.Transport
		transport.ServerList = []string{"http://127.0.0.1:2379"}
		defer func() { transport.ServerList = nil }()
	}
	errs = append(errs, o.RecommendedOptions.Validate()...)
	if o.DataDir == "" && (o.Standalone || o.UsesEmbeddedEtcd()) {
		errs = append(errs, errors.New("--data-dir is required with --standalone or without --etcd-servers"))
	}
	errs = append(errs, o.Controllers.Validate()...)
	errs = append(errs, o.DataStore.Validate()...)
	errs = append(errs, o.Logs.Validate()...)
	errs = append(errs, o.MetricsCredentials.Validate()...)
	errs = append(errs, o.LocalRuntime.Validate()...)
	errs = append(errs, o.DataLimits.Validate()...)
	errs = append(errs, o.validateEmbeddedEtcd()...)
	errs = append(errs, o.Limits.Validate()...)
	errs = append(errs, o.Local.Validate()...)
	errs = append(errs, o.Events.Validate()...)
	if ss := o.RecommendedOptions.SecureServing; ss.BindPort == 0 && ss.Listener == nil {
		// Port 0 turns HTTPS serving off in k8s.io/apiserver, and with it
		// the loopback client the admission plugins and controllers use.
		errs = append(errs, errors.New("--secure-port must not be 0: ml-apiserver serves its API only over HTTPS"))
	}
	if o.EtcdQuotaBackendBytes < 0 {
		errs = append(errs, fmt.Errorf("--embedded-etcd-quota-backend-bytes must not be negative, got %d", o.EtcdQuotaBackendBytes))
	}
	return utilerrors.NewAggregate(errs)
}

// ServingHosts are the names and addresses of the generated serving certificate.
func (o *Options) ServingHosts() ([]string, []net.IP) {
	hosts := append([]string{"localhost"}, o.AlternateDNS...)
	ips := []net.IP{netutils.ParseIPSloppy("127.0.0.1")}
	if a := o.RecommendedOptions.SecureServing.BindAddress; a != nil && !a.IsUnspecified() && !a.IsLoopback() {
		ips = append(ips, a)
	}
	return hosts, ips
}

// Config builds the server configuration. In standalone mode the PKI must
// exist (see EnsurePKI) and features needing a core Kubernetes API are off.
func (o *Options) Config() (*apiserver.Config, error) {
	if !o.Standalone {
		hosts, ips := o.ServingHosts()
		if err := o.RecommendedOptions.SecureServing.MaybeDefaultWithSelfSignedCerts(hosts[0], hosts[1:], ips); err != nil {
			return nil, fmt.Errorf("create self-signed certificates: %w", err)
		}
	}
	serverConfig := genericapiserver.NewRecommendedConfig(scheme.Codecs)
	namer := openapi.NewDefinitionNamer(scheme.Scheme)
	serverConfig.OpenAPIConfig = genericapiserver.DefaultOpenAPIConfig(generatedopenapi.GetOpenAPIDefinitions, namer)
	serverConfig.OpenAPIConfig.Info.Title = "ml-apiserver"
	serverConfig.OpenAPIConfig.Info.Version = mlv1alpha1.SchemeGroupVersion.Version
	serverConfig.OpenAPIV3Config = genericapiserver.DefaultOpenAPIV3Config(generatedopenapi.GetOpenAPIDefinitions, namer)
	serverConfig.OpenAPIV3Config.Info.Title = "ml-apiserver"
	serverConfig.OpenAPIV3Config.Info.Version = mlv1alpha1.SchemeGroupVersion.Version
	// log?follow streams for as long as the job runs: it must not be cut
	// at the request timeout, like watch.
	serverConfig.LongRunningFunc = genericfilters.BasicLongRunningRequestCheck(sets.NewString("watch"), sets.NewString("log"))
	// On SIGTERM, stop once the requests in flight have finished, answering
	// new ones 429 with Retry-After meanwhile, and close open watches and
	// log follows after 2 s. Without it the HTTP server waits for them up to
	// the request timeout (60 s): every open watch (kubectl get -w, an
	// informer) would hold a restart for a minute.
	serverConfig.ShutdownSendRetryAfter = true
	serverConfig.EffectiveVersion = compatibility.DefaultBuildEffectiveVersion()
	serverConfig.FeatureGate = utilfeature.DefaultFeatureGate

	ro := o.RecommendedOptions
	admissionOptions := ro.Admission
	if o.Standalone {
		// No core Kubernetes API in this mode: priority and fairness and the
		// admission plugins of the generic chain need one.
		savedCore, savedAdmission, savedAPF := ro.CoreAPI, ro.Admission, ro.Features.EnablePriorityAndFairness
		ro.CoreAPI, ro.Admission, ro.Features.EnablePriorityAndFairness = nil, nil, false
		defer func() {
			ro.CoreAPI, ro.Admission, ro.Features.EnablePriorityAndFairness = savedCore, savedAdmission, savedAPF
		}()
	}
	if err := ro.ApplyTo(serverConfig); err != nil {
		return nil, err
	}
	// A verified client certificate chain (the admin's, a front proxy's
	// with the user it forwards) is trusted for a few seconds instead of
	// verified on every request.
	serverConfig.Authentication.Authenticator = certcache.New(serverConfig.Authentication.Authenticator,
		serverConfig.Authentication.RequestHeaderConfig, certcache.DefaultTTL)
	var metricsWriters *standalone.MetricsWriterAuthorizer
	if o.Standalone {
		if err := o.applyStandaloneAdmission(serverConfig, admissionOptions); err != nil {
			return nil, err
		}
		// The delegating authenticator ignores Authentication.Anonymous and
		// always admits anonymous requests.
		serverConfig.Authentication.Authenticator = standalone.WithoutAnonymous(serverConfig.Authentication.Authenticator)
		// The processes of an object push its metrics with a client
		// certificate that allows exactly that while the object exists
		// (see the local runtime).
		metricsWriters = standalone.NewMetricsWriterAuthorizer()
		authz, err := union.New(
			union.NamedAuthorizer{AuthorizerName: "ml-metrics-writers", Authorizer: metricsWriters},
			union.NamedAuthorizer{AuthorizerName: "standalone", Authorizer: serverConfig.Authorization.Authorizer},
		)
		if err != nil {
			return nil, err
		}
		serverConfig.Authorization.Authorizer = authz
	}
	extra, err := o.extraConfig(serverConfig)
	if err != nil {
		return nil, err
	}
	o.Logs.ApplyTo(&extra)
	if metricsWriters != nil {
		extra.MetricsOwners = metricsWriters
	}
	o.DataLimits.ApplyTo(&extra, o.embeddedEtcdQuota())
	o.Limits.ApplyTo(&extra)
	o.Limits.ApplyToController(o.Controllers)
	o.Events.ApplyTo(&extra, o.Standalone)
	return &apiserver.Config{GenericConfig: serverConfig, ExtraConfig: extra}, nil
}
