package mlquota

import (
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
	listers "ml.example.io/ml-apiserver/pkg/generated/listers/ml/v1alpha1"
)

// ledger is what the admission plugin and the Reconciler share: the usage
// records in the system namespace (record.go) and what the objects hold as
// the informers show them (objects.go).
type ledger struct {
	quotas          corelisters.ResourceQuotaLister
	client          kubernetes.Interface
	jobs            listers.TrainingJobLister
	models          listers.ModelLister
	notebooks       listers.NotebookLister
	runs            listers.PipelineRunLister
	tuns            listers.TuningJobLister
	pipelines       listers.PipelineLister
	runtimes        listers.TrainingRuntimeLister
	clusterRuntimes listers.ClusterTrainingRuntimeLister
	systemNamespace string
	// mlClient reads the pipeline snapshots of runs; nil charges a run
	// that references a Pipeline by its inline spec only (nothing).
	mlClient versioned.Interface

	// cache holds the records as this process last wrote them, by
	// namespace.
	cacheMu sync.Mutex
	cache   map[string]*corev1.ConfigMap
	// runCharges are the charges of PipelineRuns in flight.
	runsMu     sync.Mutex
	runCharges map[runKey]charge

	// Grace is how long an entry written by admission is left alone by
	// the reconciler.
	Grace time.Duration
	now   func() time.Time
}

func newLedger() *ledger {
	return &ledger{Grace: DefaultGrace, now: time.Now}
}

// setQuotas reads ResourceQuotas from informer and returns its HasSynced.
func (l *ledger) setQuotas(informer coreinformers.ResourceQuotaInformer) cache.InformerSynced {
	l.quotas = informer.Lister()
	return informer.Informer().HasSynced
}

// informerSynced is the HasSynced of the informer of one resource.
type informerSynced struct {
	resource string
	synced   cache.InformerSynced
}

// setObjects reads the objects that hold quota from f and returns the
// HasSynced of their informers.
func (l *ledger) setObjects(f externalversions.SharedInformerFactory) []informerSynced {
	v := f.Ml().V1alpha1()
	l.jobs, l.models, l.notebooks, l.runs = v.TrainingJobs().Lister(), v.Models().Lister(), v.Notebooks().Lister(), v.PipelineRuns().Lister()
	l.tuns, l.pipelines = v.TuningJobs().Lister(), v.Pipelines().Lister()
	l.runtimes, l.clusterRuntimes = v.TrainingRuntimes().Lister(), v.ClusterTrainingRuntimes().Lister()
	return []informerSynced{
		{"pipelines", v.Pipelines().Informer().HasSynced},
		{"trainingruntimes", v.TrainingRuntimes().Informer().HasSynced},
		{"clustertrainingruntimes", v.ClusterTrainingRuntimes().Informer().HasSynced},
		{"trainingjobs", v.TrainingJobs().Informer().HasSynced},
		{"models", v.Models().Informer().HasSynced},
		{"notebooks", v.Notebooks().Informer().HasSynced},
		{"pipelineruns", v.PipelineRuns().Informer().HasSynced},
		{"tuningjobs", v.TuningJobs().Informer().HasSynced},
	}
}
