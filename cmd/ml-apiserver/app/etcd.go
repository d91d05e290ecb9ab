package app

import (
	"context"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"

	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	"ml.example.io/ml-apiserver/pkg/etcdspace"
)

// externalEtcdHint is what to do about a full etcd the server does not own.
const externalEtcdHint = "its administrator must compact, defragment and disarm it " +
	"(etcdctl compact, etcdctl defrag, etcdctl alarm disarm; see docs/install.md, \"When etcd is full\")"

// addEtcdSpaceCheck adds the readyz check that fails while an etcd of the
// server is full. dataEtcd is the client of logs and metrics; the objects'
// etcd gets a client of its own when it is another cluster.
func addEtcdSpaceCheck(ctx context.Context, s *genericapiserver.GenericAPIServer, c options.CompletedOptions, dataEtcd *clientv3.Client) (stop func(), err error) {
	objectsHint := externalEtcdHint
	if c.EmbeddedEtcd {
		objectsHint = fmt.Sprintf("run `ml-apiserver etcd-recover --data-dir %s`, or restart the server, which recovers it at start "+
			"(see docs/standalone.md, \"When etcd is full\")", c.DataDir)
	}
	stop = func() {}
	var targets []etcdspace.Target
	if len(c.DataStore.EtcdServers) == 0 && dataEtcd != nil {
		targets = append(targets, etcdspace.Target{Name: "objects, logs and metrics", Client: dataEtcd, Hint: objectsHint})
	} else {
		// Without --ml-data-etcd-servers this client reaches the objects' etcd.
		objects, err := (&options.DataStoreOptions{}).NewEtcdClient(c.RecommendedOptions.Etcd.StorageConfig.Transport)
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
