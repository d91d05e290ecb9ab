package controller

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apiserver/pkg/server/healthz"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	mlinformers "ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
	workloadkubernetes "ml.example.io/ml-apiserver/pkg/workload/kubernetes"
)

// Config configures a Manager.
type Config struct {
	// Controllers is the --controllers list: "*", names, -names.
	Controllers []string
	// Workers is the number of concurrent syncs of each controller.
	Workers int
	// ResyncPeriod is how often informers replay every object to the
	// controllers (0: never).
	ResyncPeriod time.Duration
	// LeaderElection configures the election among copies.
	LeaderElection LeaderElectionConfig
	// MaxForEachItems caps the instances of a forEach task whose list is
	// known only at run time (--max-foreach); 0 means the default.
	MaxForEachItems int32
	// MaxCatchUpRuns is the most missed runs a RecurringRun with catchUp
	// starts at once (--recurring-run-max-catch-up); 0 means the default.
	MaxCatchUpRuns int32
	// WhenCELCostLimit is the most a CEL when condition may cost when it
	// is evaluated (--max-when-cel-cost); 0 means the default.
	WhenCELCostLimit int64
	// MaxRunInstances caps the forEach instances of one PipelineRun
	// (--max-run-instances); 0 means the default.
	MaxRunInstances int32
	// Data are the stores of the data etcd, which a manager inside an API
	// server hands to the controllers that reconcile what they hold
	// (latestmetrics, logarchivesweep); empty in `ml-apiserver controller`,
	// which skips those.
	Data DataStores
	// ReplicaBackoff delays the replacement of failed TrainingJob
	// replicas (--failed-replica-backoff, --failed-replica-backoff-max).
	ReplicaBackoff BackoffConfig
	// ArtifactPods is how pods on a cluster move their artifacts
	// (--artifact-helper-image, the namespace's Secret, the cap).
	ArtifactPods workloadkubernetes.ArtifactConfig
	// ModelFiles is how Models get their files.
	ModelFiles ModelFilesConfig
}

// BackoffConfig is a back-off doubling from Base to at most Max; zero
// values mean the controller's defaults.
type BackoffConfig struct {
	Base, Max time.Duration
}

// Manager runs the enabled controllers over a backend: against a cluster
// (NewManager), while it holds the leader lease when leader election is
// on, or in the standalone server (NewStandaloneManager).
type Manager struct {
	config  Config
	backend backend
	ml      mlclientset.Interface
	clock   clock.WithTicker
	// initializers build the controllers; the package's table but in
	// tests.
	initializers []initializer
	// identity names this copy in the leader Lease and in the events it
	// writes (source.host, reportingInstance).
	identity string
	// watchdog fails the health check of a leader that stopped renewing
	// its lease; nil without leader election.
	watchdog *leaderelection.HealthzAdaptor
	// leading is true while this copy runs the controllers; synced once
	// their informers have listed everything in this term.
	leading, synced atomic.Bool
}

// leaderHealthTimeout is how long past its renew deadline a leader may go
// without renewing before its health check fails, as in
// kube-controller-manager.
const leaderHealthTimeout = 20 * time.Second

// NewManager returns a manager of the controllers config enables against a
// cluster, reaching kube-apiserver with kube and the ml.example.io group
// with ml: children are pods and other core objects, events are written
// to kube-apiserver.
func NewManager(config Config, kube kubernetes.Interface, ml mlclientset.Interface) *Manager {
	return newManager(config, ml, clusterBackend(kube, config.ArtifactPods))
}

func newManager(config Config, ml mlclientset.Interface, b backend) *Manager {
	identity := config.LeaderElection.Identity
	if identity == "" {
		identity = NewIdentity()
	}
	m := &Manager{
		config:       config,
		backend:      b,
		ml:           ml,
		clock:        clock.RealClock{},
		initializers: initializers,
		identity:     identity,
	}
	if config.LeaderElection.Enabled {
		m.watchdog = leaderelection.NewLeaderHealthzAdaptor(leaderHealthTimeout)
	}
	return m
}

// Identity is this copy's identity in the leader Lease and in the events
// it writes.
func (m *Manager) Identity() string { return m.identity }

// LeaderHealthCheck is the health check of leader election: it fails
// when this copy leads but has not renewed the Lease in time. Nil without
// leader election.
func (m *Manager) LeaderHealthCheck() healthz.HealthChecker {
	if m.watchdog == nil {
		return nil
	}
	return m.watchdog
}

// CheckReady is the readiness of the controllers: a copy waiting for the
// lease is ready to take over; a leader is ready once the informers of its
// controllers have synced.
func (m *Manager) CheckReady(*http.Request) error {
	if m.leading.Load() && !m.synced.Load() {
		return errors.New("the controllers' informers have not synced yet")
	}
	return nil
}

// Leading says whether this copy runs the controllers now.
func (m *Manager) Leading() bool { return m.leading.Load() }

// Run runs the controllers until ctx is done. With leader election it
// campaigns for the lease, runs the controllers while it holds it, and
// campaigns again when it loses it.
func (m *Manager) Run(ctx context.Context) error {
	logger := klog.FromContext(ctx)
	inits := m.runnable(logger)
	if len(inits) == 0 {
		logger.Info("No controller enabled")
		<-ctx.Done()
		return nil
	}
	if !m.config.LeaderElection.Enabled {
		logger.Info("Leader election is off: running the controllers", "controllers", initializerNames(inits), "mode", m.backend.mode)
		return m.runControllers(ctx, inits)
	}
	return m.runLeaderElected(ctx, func(ctx context.Context) error { return m.runControllers(ctx, inits) })
}

// runControllers builds the shared informers, event recorder and workload
// runtime of the backend, builds the controllers of inits, starts
// everything, and returns once the controllers have stopped after ctx is
// done.
func (m *Manager) runControllers(ctx context.Context, inits []initializer) error {
	logger := klog.FromContext(ctx)
	kubeInformers := m.backend.newKubeInformers(m.config)
	mlInformers := mlinformers.NewSharedInformerFactory(m.ml, m.config.ResyncPeriod)
	broadcaster := m.backend.events(ctx)
	defer broadcaster.Shutdown()
	// Events name the copy that wrote them.
	recorder := broadcaster.NewRecorder(Scheme, corev1.EventSource{Component: mlv1alpha1.ControllerName, Host: m.identity})
	m.synced.Store(false)
	m.leading.Store(true)
	defer m.leading.Store(false)
	if kubeInformers != nil {
		defer kubeInformers.Shutdown()
	}
	defer mlInformers.Shutdown()

	cc := Context{
		KubeClient:      m.backend.kube,
		MLClient:        m.ml,
		KubeInformers:   kubeInformers,
		MLInformers:     mlInformers,
		Runtime:         m.backend.runtime(kubeInformers),
		ReplicaLogs:     m.backend.logs,
		Recorder:        recorder,
		Clock:           m.clock,
		MaxForEachItems: m.config.MaxForEachItems,
		MaxCatchUpRuns:  m.config.MaxCatchUpRuns,
		WhenCELCost:     m.config.WhenCELCostLimit,
		MaxRunInstances: m.config.MaxRunInstances,
		Namespace:       m.config.LeaderElection.Namespace,
		ResyncPeriod:    m.config.ResyncPeriod,
		Data:            m.config.Data,
		ReplicaBackoff:  m.config.ReplicaBackoff,
		ModelFiles:      m.config.modelFiles(),
	}
	if m.backend.prepare != nil {
		if err := m.backend.prepare(ctx, cc); err != nil {
			return err
		}
	}
	controllers := make([]Controller, 0, len(inits))
	for _, i := range inits {
		c, err := i.init(ctx, cc)
		if err != nil {
			return fmt.Errorf("start controller %s: %w", i.name, err)
		}
		controllers = append(controllers, c)
	}
	var factories []informerFactory
	if kubeInformers != nil {
		factories = append(factories, kubeInformers)
	}
	factories = append(factories, mlInformers)
	for _, f := range factories {
		f.Start(ctx.Done())
	}
	var syncWait sync.WaitGroup
	defer syncWait.Wait()
	syncWait.Go(func() { m.synced.Store(synced(ctx, factories) && ctx.Err() == nil) })

	workers := max(m.config.Workers, 1)
	var wg sync.WaitGroup
	for _, c := range controllers {
		wg.Go(func() { c.Run(ctx, workers) })
	}
	logger.Info("Started controllers", "controllers", initializerNames(inits), "workers", workers, "mode", m.backend.mode)
	wg.Wait()
	return nil
}

// informerFactory is what the shared informer factories of client-go and
// of the generated ml.example.io informers have in common.
type informerFactory interface {
	Start(stopCh <-chan struct{})
	WaitForCacheSync(stopCh <-chan struct{}) map[reflect.Type]bool
}

// synced waits until every informer of factories has synced, and says
// whether they all did before ctx was done.
func synced(ctx context.Context, factories []informerFactory) bool {
	for _, f := range factories {
		for _, ok := range f.WaitForCacheSync(ctx.Done()) {
			if !ok {
				return false
			}
		}
	}
	return true
}

// runnable are the initializers of the enabled controllers this manager
// can run; it logs why it skips the others it was asked for.
func (m *Manager) runnable(logger klog.Logger) []initializer {
	enabled := EnabledControllers(m.config.Controllers)
	var inits []initializer
	for _, i := range m.initializers {
		switch {
		case !slices.Contains(enabled, i.name):
		case i.needsKubeAPI && m.backend.kube == nil:
			logger.Info("Controller needs the core Kubernetes API, skipping it in standalone mode", "controller", i.name)
		case i.needs != nil && i.needs(m.config.Data) != "":
			logger.Info("Controller needs a store of the data etcd, which only the controllers inside an API server have: skipping it",
				"controller", i.name, "missing", i.needs(m.config.Data))
		default:
			inits = append(inits, i)
		}
	}
	return inits
}
