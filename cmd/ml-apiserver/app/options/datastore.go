package options

import (
	"crypto/tls"
	"fmt"
	"time"

	"github.com/spf13/pflag"
	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"

	"k8s.io/apiserver/pkg/storage/storagebackend"

	"ml.example.io/ml-apiserver/pkg/storage/metricstore"
)

// DataStoreOptions say where pod logs and metric points are kept: etcd
// keyspaces of their own, on the objects' etcd unless a separate cluster is
// given, so that big tenants never crowd the object store.
type DataStoreOptions struct {
	// EtcdServers is a separate etcd cluster for logs and metrics; empty
	// means the etcd of the objects.
	EtcdServers []string
	// MetricsMaxPointsPerSeries bounds each metric series; beyond it the
	// oldest points are dropped.
	MetricsMaxPointsPerSeries int64
}

// NewDataStoreOptions returns the defaults.
func NewDataStoreOptions() *DataStoreOptions {
	return &DataStoreOptions{MetricsMaxPointsPerSeries: metricstore.DefaultMaxPointsPerSeries}
}

// AddFlags adds the flags of the data stores to fs.
func (o *DataStoreOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringSliceVar(&o.EtcdServers, "ml-data-etcd-servers", o.EtcdServers,
		"etcd servers (scheme://ip:port, comma separated) for archived logs and metric points, instead of the etcd of the objects. "+
			"They are reached with the --etcd-certfile, --etcd-keyfile and --etcd-cafile of the object etcd.")
	fs.Int64Var(&o.MetricsMaxPointsPerSeries, "metrics-max-points-per-series", o.MetricsMaxPointsPerSeries,
		"Points kept per metric series; beyond it the oldest points are dropped, 4096 at a time (last, min and max still cover every point).")
}

// Validate checks the options.
func (o *DataStoreOptions) Validate() []error {
	var errs []error
	if o.MetricsMaxPointsPerSeries < metricstore.ChunkPoints {
		errs = append(errs, fmt.Errorf("--metrics-max-points-per-series must be at least %d, got %d",
			metricstore.ChunkPoints, o.MetricsMaxPointsPerSeries))
	}
	return errs
}

// NewEtcdClient connects to the data etcd: --ml-data-etcd-servers, or the
// servers of objects, with the TLS files of objects.
func (o *DataStoreOptions) NewEtcdClient(objects storagebackend.TransportConfig) (*clientv3.Client, error) {
	servers := o.EtcdServers
	if len(servers) == 0 {
		servers = objects.ServerList
	}
	var tlsConfig *tls.Config
	if objects.CertFile != "" || objects.KeyFile != "" || objects.TrustedCAFile != "" {
		info := transport.TLSInfo{CertFile: objects.CertFile, KeyFile: objects.KeyFile, TrustedCAFile: objects.TrustedCAFile}
		var err error
		if tlsConfig, err = info.ClientConfig(); err != nil {
			return nil, fmt.Errorf("data etcd TLS: %w", err)
		}
	}
	client, err := clientv3.New(clientv3.Config{
		Endpoints:   servers,
		DialTimeout: 20 * time.Second,
		TLS:         tlsConfig,
		// Metric batches and log chunks stay far below etcd's 1.5 MiB.
		MaxCallSendMsgSize: 2 << 20,
	})
	if err != nil {
		return nil, fmt.Errorf("connect to the data etcd %v: %w", servers, err)
	}
	return client, nil
}
