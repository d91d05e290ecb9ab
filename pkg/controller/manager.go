package controller

import (
	"context"
	"fmt"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
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
}

// Manager runs the enabled controllers, while it holds the leader lease
// when leader election is on.
type Manager struct {
	config       Config
	kube         kubernetes.Interface
	ml           mlclientset.Interface
	clock        clock.WithTicker
	initializers map[string]InitFunc
}

// NewManager returns a manager of the controllers config enables, reaching
// kube-apiserver with kube and the ml.example.io group with ml.
func NewManager(config Config, kube kubernetes.Interface, ml mlclientset.Interface) *Manager {
	return &Manager{
		config:       config,
		kube:         kube,
		ml:           ml,
		clock:        clock.RealClock{},
		initializers: initializers,
	}
}

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
	broadcaster, recorder := NewEventRecorder(ctx, m.kube)
	defer broadcaster.Shutdown()
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

	workers := max(m.config.Workers, 1)
	var wg sync.WaitGroup
	for _, c := range controllers {
		wg.Go(func() { c.Run(ctx, workers) })
	}
	logger.Info("Started controllers", "controllers", names, "workers", workers)
	wg.Wait()
	return nil
}
