// Package apiserver assembles the ml.example.io API server: it turns a
// completed configuration into a generic API server with the group's
// storage installed.
package apiserver

import (
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/kubernetes"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
	"ml.example.io/ml-apiserver/pkg/storage/logstore"
	"ml.example.io/ml-apiserver/pkg/storage/metricstore"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// ExtraConfig is the configuration specific to ml-apiserver.
type ExtraConfig struct {
	// DataEtcd reaches the etcd keyspaces of logs and metric points (the
	// objects' etcd or --ml-data-etcd-servers); whoever made it closes it
	// after the server stopped. Without it the metrics subresources are not
	// served.
	DataEtcd *clientv3.Client
	// KubeClient reaches kube-apiserver; nil in standalone mode.
	KubeClient kubernetes.Interface
	// MetricsMaxPointsPerSeries bounds each metric series.
	MetricsMaxPointsPerSeries int64
	// LogSource reads the logs of live pods; nil means kube-apiserver's
	// pods/log through KubeClient (none without one).
	LogSource workload.LogSource
	// LogArchiveMaxBytes caps each archived container log.
	LogArchiveMaxBytes int64
	// LogMaxFollows bounds the log follows open at once (all kinds); 0
	// is no bound.
	LogMaxFollows int
	// MetricsOwners, when set, is given the lookup of the objects that own
	// metrics, and checks every metrics write (standalone mode's
	// metrics-writer authorizer).
	MetricsOwners MetricsWriters
	// DataLimits bound the logs and metrics keyspaces and their reads.
	DataLimits DataLimits
	// Validation are the caps objects are validated against (--max-replicas,
	// --max-foreach); a zero cap means its default.
	Validation validation.Options
	// MaxTasksPage caps a page of the tasks subresource of PipelineRuns
	// (--max-tasks-page); 0 means its default.
	MaxTasksPage int64
	// StorageMediaType is the encoding core/v1 Events are stored in
	// (--storage-media-type, as the objects of ml.example.io); empty means
	// JSON.
	StorageMediaType string
	// EventTTL, when set, serves core/v1 Events under /api/v1, kept that
	// long after their last write (standalone mode, which has no
	// kube-apiserver to write them to).
	EventTTL time.Duration
	// Profiles, when set, serves Profiles and ProfileRequests (aggregated
	// mode).
	Profiles *ProfilesConfig
	// Artifacts picks the artifact store of a namespace and carries the
	// caps of artifacts; nil means no store.
	Artifacts *artifactstore.Resolver
}

// Config is the configuration of the server, before completion.
type Config struct {
	GenericConfig *genericapiserver.RecommendedConfig
	ExtraConfig   ExtraConfig

	// patchFilterAdded is set once the JSON patch filter wraps the chain.
	patchFilterAdded bool
}

type completedConfig struct {
	GenericConfig genericapiserver.CompletedConfig
	ExtraConfig   *ExtraConfig
}

// CompletedConfig is a Config after Complete; it is the only way to build a
// Server, so nothing runs half set up.
type CompletedConfig struct {
	*completedConfig
}

// Server is the running ml.example.io API server.
type Server struct {
	GenericAPIServer *genericapiserver.GenericAPIServer
	// LogStore and MetricStore are the stores of the data etcd, for the
	// controllers that reconcile what they hold (the sweep of archived
	// logs, status.latestMetrics); nil without a data etcd.
	LogStore    logstore.LogStore
	MetricStore metricstore.MetricStore
	// Artifacts are the artifact stores (ExtraConfig.Artifacts), for the
	// controllers; nil for none.
	Artifacts *artifactstore.Resolver
}

// Complete fills in defaults of the configuration.
func (c *Config) Complete() CompletedConfig {
	c.completeBadInput()
	return CompletedConfig{&completedConfig{
		GenericConfig: c.GenericConfig.Complete(),
		ExtraConfig:   &c.ExtraConfig,
	}}
}

// New builds the server and installs the ml.example.io API group.
func (c completedConfig) New() (*Server, error) {
	genericServer, err := c.GenericConfig.New("ml-apiserver", genericapiserver.NewEmptyDelegate())
	if err != nil {
		return nil, err
	}
	s := &Server{GenericAPIServer: genericServer, Artifacts: c.ExtraConfig.Artifacts}

	data := c.newDataStores(s)
	storage, err := c.newV1alpha1Storage(c.GenericConfig.RESTOptionsGetter, data)
	if err != nil {
		return nil, err
	}
	c.setMetricsOwners(storage)
	s.setDataStores(data)

	apiGroupInfo := genericapiserver.NewDefaultAPIGroupInfo(ml.GroupName, scheme.Scheme, scheme.ParameterCodec, scheme.Codecs)
	apiGroupInfo.VersionedResourcesStorageMap[mlv1alpha1.SchemeGroupVersion.Version] = storage.resources()
	if err := s.GenericAPIServer.InstallAPIGroup(&apiGroupInfo); err != nil {
		return nil, fmt.Errorf("install API group %s: %w", ml.GroupName, err)
	}
	if err := c.installCoreEvents(s); err != nil {
		return nil, err
	}
	return s, nil
}
