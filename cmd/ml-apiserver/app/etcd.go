package app

import (
	"context"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"

	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	"ml.example.io/ml-apiserver/pkg/etcdspace"
	"ml.example.io/ml-apiserver/pkg/standalone"
)

// externalEtcdHint is what to do about a full etcd the server does not own.
const externalEtcdHint = "its administrator must compact, defragment and disarm it " +
	"(etcdctl compact, etcdctl defrag, etcdctl alarm disarm; see docs/install.md, \"When etcd is full\")"

// startEmbeddedEtcd starts the etcd of the data directory and points the
// object storage (and with it the data store) at it with the credentials
// only the server holds. stop undoes both.
func startEmbeddedEtcd(ctx context.Context, o *options.Options) (stop func(), err error) {
	etcd, err := standalone.StartEtcd(ctx, standalone.EtcdOptions{
		Dir:                     standalone.EmbeddedEtcdDir(o.DataDir),
		QuotaBackendBytes:       o.EtcdQuotaBackendBytes,
		AutoCompactionRetention: o.EtcdAutoCompactionRetention,
		UnsafeNoFsync:           o.EmbeddedEtcdUnsafeNoFsync,
	})
	if err != nil {
		return nil, err
	}
	transport := &o.RecommendedOptions.Etcd.StorageConfig.Transport
	saved := *transport
	tls := etcd.PKI().ClientTLSInfo()
	transport.ServerList = []string{etcd.ClientURL()}
	transport.CertFile, transport.KeyFile, transport.TrustedCAFile = tls.CertFile, tls.KeyFile, tls.TrustedCAFile
	return func() {
		*transport = saved
		etcd.Close()
	}, nil
}

// addEtcdSpaceCheck adds the readyz check that fails while an etcd of the
// server is full. dataEtcd is the client of logs and metrics; the objects'
// etcd gets a client of its own when it is another cluster. embedded says
// whether the objects' etcd is the embedded one.
func addEtcdSpaceCheck(ctx context.Context, s *genericapiserver.GenericAPIServer, o *options.Options, embedded bool, dataEtcd *clientv3.Client) (stop func(), err error) {
	objectsHint := externalEtcdHint
	if embedded {
		objectsHint = fmt.Sprintf("run `ml-apiserver etcd-recover --data-dir %s`, or restart the server, which recovers it at start "+
			"(see docs/standalone.md, \"When etcd is full\")", o.DataDir)
	}
	stop = func() {}
	var targets []etcdspace.Target
	if len(o.DataStore.EtcdServers) == 0 && dataEtcd != nil {
		targets = append(targets, etcdspace.Target{Name: "objects, logs and metrics", Client: dataEtcd, Hint: objectsHint})
	} else {
		// Without --ml-data-etcd-servers this client reaches the objects' etcd.
		objects, err := (&options.DataStoreOptions{}).NewEtcdClient(o.RecommendedOptions.Etcd.StorageConfig.Transport)
		if err != nil {
			return nil, err
		}
		stop = func() { _ = objects.Close() }
		targets = append(targets, etcdspace.Target{Name: "objects", Client: objects, Hint: objectsHint})
		if dataEtcd != nil {
			targets = append(targets, etcdspace.Target{Name: "logs and metrics", Client: dataEtcd, Hint: externalEtcdHint})
		}
	}
	check := etcdspace.NewCheck(klog.FromContext(ctx).WithName(etcdspace.CheckName), targets...)
	if err := s.AddReadyzChecks(check); err != nil {
		stop()
		return nil, fmt.Errorf("add the %s readyz check: %w", etcdspace.CheckName, err)
	}
	return stop, nil
}
