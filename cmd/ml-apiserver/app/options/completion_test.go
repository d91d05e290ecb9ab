package options

import (
	"net"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"
	"go.etcd.io/etcd/client/pkg/v3/transport"
)

// flagValues are the fields of the options that completing, validating
// and configuring a server used to change in place.
type flagValues struct {
	BindAddress, CertFile, KeyFile, CertDirectory string
	HasListener                                   bool
	ClientCA                                      string
	AuthnOptional, SkipInClusterLookup            bool
	AuthzOptional                                 bool
	HasAdmission, HasCoreAPI, PriorityAndFairness bool
	EtcdServers                                   []string
	KubeconfigPath                                string
}

func valuesOf(o *Options) flagValues {
	ro := o.RecommendedOptions
	ss := ro.SecureServing
	return flagValues{
		BindAddress:         ss.BindAddress.String(),
		CertFile:            ss.ServerCert.CertKey.CertFile,
		KeyFile:             ss.ServerCert.CertKey.KeyFile,
		CertDirectory:       ss.ServerCert.CertDirectory,
		HasListener:         ss.Listener != nil,
		ClientCA:            ro.Authentication.ClientCert.ClientCA,
		AuthnOptional:       ro.Authentication.RemoteKubeConfigFileOptional,
		SkipInClusterLookup: ro.Authentication.SkipInClusterLookup,
		AuthzOptional:       ro.Authorization.RemoteKubeConfigFileOptional,
		HasAdmission:        ro.Admission != nil,
		HasCoreAPI:          ro.CoreAPI != nil,
		PriorityAndFairness: ro.Features.EnablePriorityAndFairness,
		EtcdServers:         ro.Etcd.StorageConfig.Transport.ServerList,
		KubeconfigPath:      o.KubeconfigPath,
	}
}

// Complete, Validate, WithEmbeddedEtcd and Config decide and configure on
// copies: the parsed options stay as the flags set them, and the completed
// options carry the decisions of standalone mode.
func TestCompleteValidateConfigChangeNoFlags(t *testing.T) {
	o := NewOptions()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse([]string{"--standalone", "--data-dir", t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	o.RecommendedOptions.SecureServing.Listener = ln
	parsed := valuesOf(o)

	c, err := o.Complete()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if !c.EmbeddedEtcd || c.ServingAddress != ln.Addr().String() || c.KubeconfigPath == "" {
		t.Errorf("decisions: embedded etcd %v, serving address %q, kubeconfig %q; want the embedded etcd, %s and a path in the data dir",
			c.EmbeddedEtcd, c.ServingAddress, c.KubeconfigPath, ln.Addr())
	}
	completed := valuesOf(&c.Options)
	if completed.ClientCA != c.PKI.CACertFile() || completed.HasAdmission || completed.HasCoreAPI || completed.PriorityAndFairness {
		t.Errorf("completed generic options %+v: want the PKI's CA, no admission, no core API, no priority and fairness", completed)
	}
	if err := c.PKI.Ensure(c.ServingHosts()); err != nil {
		t.Fatal(err)
	}
	withEtcd := c.WithEmbeddedEtcd("https://127.0.0.1:2379", transport.TLSInfo{})
	if got := withEtcd.RecommendedOptions.Etcd.StorageConfig.Transport.ServerList; len(got) != 1 {
		t.Errorf("etcd servers with the embedded etcd: %q", got)
	}
	if got := c.RecommendedOptions.Etcd.StorageConfig.Transport.ServerList; len(got) != 0 {
		t.Errorf("WithEmbeddedEtcd changed the options it was called on: etcd servers %q", got)
	}
	config, err := withEtcd.Config()
	if err != nil {
		t.Fatalf("Config: %v", err)
	}
	if config.ExtraConfig.DataEtcd != nil {
		_ = config.ExtraConfig.DataEtcd.Close()
	}
	if config.ExtraConfig.MetricsOwners == nil || config.GenericConfig.AdmissionControl == nil {
		t.Errorf("standalone configuration without the metrics writers' authorizer or the admission chain")
	}

	if diff := cmp.Diff(parsed, valuesOf(o)); diff != "" {
		t.Errorf("the parsed options changed (-parsed +now):\n%s", diff)
	}
	if diff := cmp.Diff(completed, valuesOf(&c.Options)); diff != "" {
		t.Errorf("Validate or Config changed the completed options (-completed +now):\n%s", diff)
	}
}
