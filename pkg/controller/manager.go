package controller

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apiserver/pkg/server/healthz"
	"k8s.io/client-go/informers"
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
}

// Manager runs the enabled controllers, while it holds the leader lease
// when leader election is on.
type Manager struct {
	config       Config
	kube         kubernetes.Interface
	ml           mlclientset.Interface
	clock        clock.WithTicker
	initializers map[string]InitFunc
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

// NewManager returns a manager of the controllers config enables, reaching
// kube-apiserver with kube and the ml.example.io group with ml.
func NewManager(config Config, kube kubernetes.Interface, ml mlclientset.Interface) *Manager {
	identity := config.LeaderElection.Identity
	if identity == "" {
		identity = NewIdentity()
	}
	m := &Manager{
		config:       config,
		kube:         kube,
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
	var names []string
	for _, name := range EnabledControllers(m.config.Controllers) {
		if _, ok := m.initializers[name]; !ok {
			logger.Info("Controller is not built yet, skipping it", "controller", name)
			continue
		}
		names = append(names, name)
	}
	if len(names) == 0 {
		logger.Info("No controller enabled")
		<-ctx.Done()
		return nil
	}
	if !m.config.LeaderElection.Enabled {
		logger.Info("Leader election is off: running the controllers", "controllers", names)
		return m.runControllers(ctx, names)
	}
	return m.runLeaderElected(ctx, func(ctx context.Context) error { return m.runControllers(ctx, names) })
}

// runControllers builds the shared informers, event recorder and workload
// runtime, builds the controllers, starts everything, and returns once the
// controllers have stopped after ctx is done.
func (m *Manager) runControllers(ctx context.Context, names []string) error {
	logger := klog.FromContext(ctx)
	managed := labels.SelectorFromSet(labels.Set{mlv1alpha1.ManagedByLabel: mlv1alpha1.ControllerName}).String()
	kubeInformers := informers.NewSharedInformerFactoryWithOptions(m.kube, m.config.ResyncPeriod,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = managed }))
	mlInformers := mlinformers.NewSharedInformerFactory(m.ml, m.config.ResyncPeriod)
	broadcaster, _ := NewEventRecorder(ctx, m.kube)
	defer broadcaster.Shutdown()
	// Events name the copy that wrote them.
	recorder := broadcaster.NewRecorder(Scheme, corev1.EventSource{Component: mlv1alpha1.ControllerName, Host: m.identity})
	m.synced.Store(false)
	m.leading.Store(true)
	defer m.leading.Store(false)
	defer kubeInformers.Shutdown()
	defer mlInformers.Shutdown()

	cc := Context{
		KubeClient:    m.kube,
		MLClient:      m.ml,
		KubeInformers: kubeInformers,
		MLInformers:   mlInformers,
		Runtime: workloadkubernetes.New(workloadkubernetes.Config{
			Client:       m.kube,
			Pods:         kubeInformers.Core().V1().Pods(),
			Services:     kubeInformers.Core().V1().Services(),
			Deployments:  kubeInformers.Apps().V1().Deployments(),
			StatefulSets: kubeInformers.Apps().V1().StatefulSets(),
			Volumes:      kubeInformers.Core().V1().PersistentVolumeClaims(),
			FieldManager: FieldManager,
			Labels:       map[string]string{mlv1alpha1.ManagedByLabel: mlv1alpha1.ControllerName},
		}),
		Recorder: recorder,
		Clock:    m.clock,
	}
	cc.MaxForEachItems = m.config.MaxForEachItems
	controllers := make([]Controller, 0, len(names))
	for _, name := range names {
		c, err := m.initializers[name](ctx, cc)
		if err != nil {
			return fmt.Errorf("start controller %s: %w", name, err)
		}
		controllers = append(controllers, c)
	}
	kubeInformers.Start(ctx.Done())
	mlInformers.Start(ctx.Done())
	var syncWait sync.WaitGroup
	defer syncWait.Wait()
	syncWait.Go(func() {
		kubeSynced := kubeInformers.WaitForCacheSync(ctx.Done())
		mlSynced := mlInformers.WaitForCacheSync(ctx.Done())
		for _, ok := range kubeSynced {
			if !ok {
				return
			}
		}
		for _, ok := range mlSynced {
			if !ok {
				return
			}
		}
		m.synced.Store(ctx.Err() == nil)
	})

	workers := max(m.config.Workers, 1)
	var wg sync.WaitGroup
	for _, c := range controllers {
		wg.Go(func() { c.Run(ctx, workers) })
	}
	logger.Info("Started controllers", "controllers", names, "workers", workers)
	wg.Wait()
	return nil
}
