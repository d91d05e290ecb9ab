package controller

import (
	"context"
	"time"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/metricscollector"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	mlinformers "ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
	"ml.example.io/ml-apiserver/pkg/storage/logstore"
	"ml.example.io/ml-apiserver/pkg/storage/metricstore"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// FieldManager is the field manager of every write of the controllers.
const FieldManager = mlv1alpha1.ControllerName

// Controller is one running controller.
type Controller interface {
	// Run waits for the caches, runs workers until ctx is done, and
	// returns once they have stopped.
	Run(ctx context.Context, workers int)
}

// Context is what controllers are built from. The informer factories are
// started by the manager after every controller was built.
type Context struct {
	// KubeClient reaches kube-apiserver; nil in standalone mode.
	KubeClient kubernetes.Interface
	// MLClient reaches the ml.example.io group.
	MLClient mlclientset.Interface
	// KubeInformers watch only the objects the controllers made (those
	// labelled ManagedByLabel=ControllerName); nil in standalone mode.
	KubeInformers informers.SharedInformerFactory
	// MLInformers watch the ml.example.io objects.
	MLInformers mlinformers.SharedInformerFactory
	// Runtime runs the children of the objects: replicas and services,
	// and the served sets and volumes of Models and Notebooks.
	Runtime workload.ServingRuntime
	// ReplicaLogs opens the logs of the children Runtime runs.
	ReplicaLogs metricscollector.LogStreamer
	// Recorder writes core/v1 Events about the objects.
	Recorder record.EventRecorder
	// Clock tells the time of deadlines and TTLs.
	Clock clock.WithTicker
	// MaxForEachItems caps the instances of one forEach task; 0 means the
	// default.
	MaxForEachItems int32
	// MaxCatchUpRuns is the most missed runs a RecurringRun starts at once;
	// 0 means the default.
	MaxCatchUpRuns int32
	// WhenCELCost is the cost limit of CEL when conditions; 0 means the
	// default.
	WhenCELCost int64
	// MaxRunInstances caps the forEach instances of one PipelineRun; 0
	// means the default.
	MaxRunInstances int32
	// ReplicaBackoff delays the replacement of failed TrainingJob
	// replicas; zero values mean the controller's defaults.
	ReplicaBackoff BackoffConfig
	// Namespace is the controllers' own namespace (--controller-namespace):
	// the leader Lease and the quota usage records are there.
	Namespace string
	// ResyncPeriod is the resync period of informers a controller makes
	// of its own.
	ResyncPeriod time.Duration
	// Data are the stores of the data etcd; empty outside an API server.
	Data DataStores
	// ModelFiles is how Models get their files.
	ModelFiles ModelFilesConfig
}

// ModelFilesConfig is how the pods of Models get their model files.
type ModelFilesConfig struct {
	// HelperImage is the image of their pull init container (the
	// server's own, --artifact-helper-image); empty means the default.
	HelperImage string
	// SecretName is the namespace's Secret with the artifact store the
	// pull reads (--artifact-store-secret-name); empty means the
	// resolver's.
	SecretName string
	// LocalRoots are the host directories whose files file:// sources
	// may name: in standalone mode the paths local processes may read.
	LocalRoots []string
}

// DataStores are the stores of the data etcd (archived logs and metric
// points). Only a manager inside an API server has them: the controllers
// that need them are skipped elsewhere (`ml-apiserver controller`).
type DataStores struct {
	// Logs holds the archived logs; nil for none.
	Logs logstore.LogStore
	// Metrics holds the metric series; nil for none.
	Metrics metricstore.MetricStore
	// Artifacts picks the artifact store of a namespace and carries the
	// caps of artifacts; nil for none.
	Artifacts *artifactstore.Resolver
}

// InitFunc builds a controller.
type InitFunc func(ctx context.Context, cc Context) (Controller, error)
