// Package options holds every flag of ml-apiserver and turns them into a
// server configuration: Options (the flags) -> Complete (every decision
// made, in CompletedOptions) -> Validate -> Config (pkg/apiserver's).
package options

import (
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/spf13/pflag"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	cliflag "k8s.io/component-base/cli/flag"

	mladmission "ml.example.io/ml-apiserver/pkg/admission"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
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
	// WhenCEL bounds the CEL when conditions of pipelines.
	WhenCEL *WhenCELOptions
	// Nesting bounds nested pipelines.
	Nesting *PipelineNestingOptions
	// FanOut bounds wide PipelineRuns.
	FanOut *FanOutOptions
	// Local configures the processes of standalone mode.
	Local *LocalOptions
	// Events configures the core/v1 Events of standalone mode.
	Events *EventOptions
	// Profiles configures Profiles and ProfileRequests (aggregated mode).
	Profiles *ProfileOptions
	// Artifacts configures the artifact store and its caps.
	Artifacts *ArtifactOptions
	// ArtifactPods says how pods move their artifacts.
	ArtifactPods *ArtifactPodOptions
	// Tuning caps the trials of TuningJobs.
	Tuning *TuningOptions
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
		WhenCEL:            NewWhenCELOptions(),
		Nesting:            NewPipelineNestingOptions(),
		FanOut:             NewFanOutOptions(),
		Local:              NewLocalOptions(),
		Events:             NewEventOptions(),
		Profiles:           NewProfileOptions(),
		Artifacts:          NewArtifactOptions(),
		ArtifactPods:       NewArtifactPodOptions(),
		Tuning:             NewTuningOptions(),
	}
	o.EtcdAutoCompactionRetention = standalone.DefaultEtcdAutoCompactionRetention
	o.RecommendedOptions.Etcd.StorageConfig.EncodeVersioner = runtime.NewMultiGroupVersioner(
		mlv1alpha1.SchemeGroupVersion, schema.GroupKind{Group: mlv1alpha1.GroupName})
	// Objects are stored as protobuf, as kube-apiserver stores its own
	// types; the storage codec (Config) still reads JSON-stored objects.
	o.RecommendedOptions.Etcd.DefaultStorageMediaType = runtime.ContentTypeProtobuf
	o.RecommendedOptions.SecureServing.BindPort = DefaultSecurePort
	// --enable-admission-plugins and --disable-admission-plugins know the
	// plugins of ml.example.io, in the order of mladmission.PluginOrder.
	a := o.RecommendedOptions.Admission
	mladmission.Register(a.Plugins)
	a.RecommendedPluginOrder = slices.Clone(mladmission.PluginOrder)
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
	o.WhenCEL.AddFlags(fs)
	o.Nesting.AddFlags(fs)
	o.FanOut.AddFlags(fs)
	o.Local.AddFlags(fs)
	o.Events.AddFlags(fs)
	o.Profiles.AddFlags(fs)
	o.Artifacts.AddFlags(fs)
	o.ArtifactPods.AddFlags(fs)
	o.Tuning.AddFlags(fs)
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
