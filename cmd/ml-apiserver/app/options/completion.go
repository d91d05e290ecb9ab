package options

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"

	"go.etcd.io/etcd/client/pkg/v3/transport"

	"k8s.io/apiserver/pkg/admission"
	genericapiserver "k8s.io/apiserver/pkg/server"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	netutils "k8s.io/utils/net"

	"ml.example.io/ml-apiserver/pkg/apiserver"
	"ml.example.io/ml-apiserver/pkg/standalone"
)

// completedOptions are the Options with every decision made: the mode,
// whether the server starts its own etcd, the serving address, the PKI
// and kubeconfig paths, and generic options of their own that say so. The
// Options they were completed from are left as they were.
type completedOptions struct {
	// Options are a copy of the flags; RecommendedOptions is a copy too,
	// completed for the mode (see Complete), which nothing else shares.
	Options

	// EmbeddedEtcd says whether the server starts the etcd of its data
	// directory: when no --etcd-servers are given. Its address is known
	// once it runs (WithEmbeddedEtcd).
	EmbeddedEtcd bool
	// PKI is the certificate directory of standalone mode.
	PKI standalone.PKI
	// KubeconfigPath is where standalone mode writes the admin kubeconfig.
	KubeconfigPath string
	// ServingAddress is host:port of the secure listener, for clients.
	ServingAddress string
	// flagAdmission are the admission options of the flags, which
	// standalone mode builds its own chain from.
	flagAdmission *genericoptions.AdmissionOptions
}

// CompletedOptions are Options after Complete. Only Complete makes them,
// so nothing validates or configures half-completed options.
type CompletedOptions struct {
	*completedOptions
}

// Complete makes every decision that follows from the flags and returns
// them with a copy of the options; o itself is not changed. Standalone
// mode serves on loopback unless told otherwise, with the certificates of
// its PKI, authenticates client certificates of its CA and authorizes only
// the admin, and runs without a core Kubernetes API (no priority and
// fairness, its own admission chain). Aggregated mode generates a
// self-signed serving certificate in the data directory when none is
// given.
func (o *Options) Complete() (CompletedOptions, error) {
	c := &completedOptions{
		Options:        *o,
		EmbeddedEtcd:   len(o.RecommendedOptions.Etcd.StorageConfig.Transport.ServerList) == 0,
		PKI:            standalone.PKI{Dir: filepath.Join(o.DataDir, "pki")},
		KubeconfigPath: o.KubeconfigPath,
		flagAdmission:  o.RecommendedOptions.Admission,
	}
	if c.KubeconfigPath == "" {
		c.KubeconfigPath = filepath.Join(o.DataDir, "kubeconfig")
	}
	ro := copyRecommendedOptions(o.RecommendedOptions)
	c.RecommendedOptions = ro
	namespace, nesting := o.Controllers.Namespace, o.Nesting.Initializer()
	ro.ExtraAdmissionInitializers = func(sc *genericapiserver.RecommendedConfig) ([]admission.PluginInitializer, error) {
		initializers, err := apiserver.AdmissionInitializers(sc, namespace)
		return append(initializers, nesting), err
	}
	if o.Standalone {
		completeStandalone(ro, c.PKI)
	} else {
		ro.SecureServing.ServerCert.CertDirectory = filepath.Join(o.DataDir, "serving-certs")
		hosts, ips := CompletedOptions{c}.ServingHosts()
		if err := ro.SecureServing.MaybeDefaultWithSelfSignedCerts(hosts[0], hosts[1:], ips); err != nil {
			return CompletedOptions{}, fmt.Errorf("create self-signed certificates: %w", err)
		}
	}
	c.ServingAddress = servingAddress(ro.SecureServing.SecureServingOptions)
	return CompletedOptions{c}, nil
}

// completeStandalone sets the generic options of standalone mode on ro,
// a copy of the flags' (copyRecommendedOptions).
func completeStandalone(ro *genericoptions.RecommendedOptions, pki standalone.PKI) {
	ss := ro.SecureServing
	if ss.BindAddress == nil || ss.BindAddress.IsUnspecified() {
		ss.BindAddress = netutils.ParseIPSloppy("127.0.0.1")
	}
	if ss.ServerCert.CertKey.CertFile == "" {
		ss.ServerCert.CertKey.CertFile = pki.ServingCertFile()
		ss.ServerCert.CertKey.KeyFile = pki.ServingKeyFile()
	}
	authn := ro.Authentication
	authn.RemoteKubeConfigFileOptional = true
	authn.SkipInClusterLookup = true
	if authn.ClientCert.ClientCA == "" {
		authn.ClientCert.ClientCA = pki.CACertFile()
	}
	ro.Authorization.RemoteKubeConfigFileOptional = true
	// No core Kubernetes API in this mode: priority and fairness and the
	// admission plugins of the generic chain need one. standalone.ApplyTo
	// builds the admission chain instead.
	ro.CoreAPI = nil
	ro.Admission = nil
	ro.Features.EnablePriorityAndFairness = false
	ro.ExtraAdmissionInitializers = func(*genericapiserver.RecommendedConfig) ([]admission.PluginInitializer, error) {
		return nil, nil
	}
}

// copyRecommendedOptions copies the generic options that completion, the
// embedded etcd and the generic ApplyTo change (the latter creates the
// listener in SecureServing), so that the flags' options stay as parsed.
// The others are shared, read only.
func copyRecommendedOptions(in *genericoptions.RecommendedOptions) *genericoptions.RecommendedOptions {
	out := *in
	etcd := *in.Etcd
	out.Etcd = &etcd
	ss := *in.SecureServing.SecureServingOptions
	out.SecureServing = ss.WithLoopback()
	if in.Authentication != nil {
		authn := *in.Authentication
		out.Authentication = &authn
	}
	if in.Authorization != nil {
		authz := *in.Authorization
		out.Authorization = &authz
	}
	if in.Features != nil {
		features := *in.Features
		out.Features = &features
	}
	return &out
}

// WithEmbeddedEtcd returns the options with the object storage (and with
// it the data store) pointed at the embedded etcd, reached at clientURL
// with the client certificate tls only the server holds. c is not changed.
func (c CompletedOptions) WithEmbeddedEtcd(clientURL string, tls transport.TLSInfo) CompletedOptions {
	out := *c.completedOptions
	out.RecommendedOptions = copyRecommendedOptions(c.RecommendedOptions)
	t := &out.RecommendedOptions.Etcd.StorageConfig.Transport
	t.ServerList = []string{clientURL}
	t.CertFile, t.KeyFile, t.TrustedCAFile = tls.CertFile, tls.KeyFile, tls.TrustedCAFile
	return CompletedOptions{&out}
}

// EmbeddedEtcdOptions configure the etcd of the data directory.
func (c CompletedOptions) EmbeddedEtcdOptions() standalone.EtcdOptions {
	return standalone.EtcdOptions{
		Dir:                     standalone.EmbeddedEtcdDir(c.DataDir),
		QuotaBackendBytes:       c.EtcdQuotaBackendBytes,
		AutoCompactionRetention: c.EtcdAutoCompactionRetention,
		UnsafeNoFsync:           c.EmbeddedEtcdUnsafeNoFsync,
	}
}

// ServingHosts are the names and addresses of the generated serving certificate.
func (c CompletedOptions) ServingHosts() ([]string, []net.IP) {
	hosts := append([]string{"localhost"}, c.AlternateDNS...)
	ips := []net.IP{netutils.ParseIPSloppy("127.0.0.1")}
	if a := c.RecommendedOptions.SecureServing.BindAddress; a != nil && !a.IsUnspecified() && !a.IsLoopback() {
		ips = append(ips, a)
	}
	return hosts, ips
}

// servingAddress is host:port of the secure listener, for clients.
func servingAddress(ss *genericoptions.SecureServingOptions) string {
	port := ss.BindPort
	if ss.Listener != nil {
		if addr, ok := ss.Listener.Addr().(*net.TCPAddr); ok {
			port = addr.Port
		}
	}
	host := "127.0.0.1"
	if a := ss.BindAddress; a != nil && !a.IsUnspecified() {
		host = a.String()
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}
