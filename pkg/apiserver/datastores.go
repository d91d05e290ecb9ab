package apiserver

import (
	"context"
	"time"

	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/registry/metrics"
	"ml.example.io/ml-apiserver/pkg/storage/budget"
	"ml.example.io/ml-apiserver/pkg/storage/logstore"
	"ml.example.io/ml-apiserver/pkg/storage/metricstore"
	"ml.example.io/ml-apiserver/pkg/storage/taskstore"
)

// DataLimits bound what the logs and metrics keyspaces hold and what their
// reads return. Zero values mean the stores' defaults.
type DataLimits struct {
	// MaxBytes is the budget of the logs and metrics keyspaces together.
	MaxBytes int64
	// MetricsMaxSeriesPerObject and MetricsMaxBytesPerObject bound the
	// series of one object.
	MetricsMaxSeriesPerObject int64
	MetricsMaxBytesPerObject  int64
	// MetricsQuery bounds GET .../metrics.
	MetricsQuery metrics.QueryLimits
	// LogArchiveMaxBytesPerObject caps the log archive of one object.
	LogArchiveMaxBytesPerObject int64
}

// initialCountTimeout bounds the first count of the budget at start.
const initialCountTimeout = 30 * time.Second

// dataStores are the stores of the data etcd, sharing one budget.
type dataStores struct {
	metrics *metricstore.Etcd
	logs    *logstore.Etcd
	tasks   *taskstore.Etcd
	budget  *budget.Budget
}

// newDataStores builds the log and metric stores on the data etcd and
// counts what they hold; nothing without a data etcd.
func (c completedConfig) newDataStores(s *Server) *dataStores {
	x := c.ExtraConfig
	if x.DataEtcd == nil {
		return &dataStores{}
	}
	limit := x.DataLimits.MaxBytes
	if limit <= 0 {
		limit = budget.DefaultMaxBytes
	}
	b := budget.New(x.DataEtcd, limit)
	d := &dataStores{
		budget: b,
		metrics: metricstore.NewEtcd(x.DataEtcd, metricstore.EtcdOptions{
			MaxPointsPerSeries: x.MetricsMaxPointsPerSeries,
			MaxSeriesPerObject: x.DataLimits.MetricsMaxSeriesPerObject,
			MaxBytesPerObject:  x.DataLimits.MetricsMaxBytesPerObject,
			Budget:             b,
		}),
		logs: logstore.NewEtcd(logstore.EtcdConfig{
			Client:           x.DataEtcd,
			MaxBytes:         x.LogArchiveMaxBytes,
			MaxBytesPerOwner: x.DataLimits.LogArchiveMaxBytesPerObject,
			Budget:           b,
		}),
		tasks: taskstore.NewEtcd(x.DataEtcd, ""),
	}
	b.Count(d.metrics.UsagePrefix())
	b.Count(d.logs.UsagePrefix())
	// Count before serving, so that a restart never starts from zero;
	// the recount loop retries when etcd is not there yet.
	logger := klog.Background()
	ctx, cancel := context.WithTimeout(context.Background(), initialCountTimeout)
	defer cancel()
	if err := b.Recount(ctx); err != nil {
		logger.Error(err, "Cannot count the bytes of logs and metric points yet")
	} else {
		logger.Info("Counted the bytes of logs and metric points", "used", b.Used(), "budget", b.Limit())
	}
	s.GenericAPIServer.AddPostStartHookOrDie("ml-data-budget", func(ctx genericapiserver.PostStartHookContext) error {
		go b.Run(ctx, budget.RecountPeriod)
		return nil
	})
	return d
}

// setDataStores hands the stores of the data etcd to whoever runs the
// controllers that reconcile them; they stay nil without a data etcd.
func (s *Server) setDataStores(data *dataStores) {
	if data.logs != nil {
		s.LogStore = data.logs
	}
	if data.metrics != nil {
		s.MetricStore = data.metrics
	}
}
