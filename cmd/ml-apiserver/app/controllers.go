package app

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	"ml.example.io/ml-apiserver/pkg/apiserver"
	"ml.example.io/ml-apiserver/pkg/controller"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/pkg/workload/local"
)

// controllerStopTimeout bounds how long the server waits, on shutdown, for
// the controllers to stop and give back the leader lease.
const controllerStopTimeout = 10 * time.Second

// addControllers starts the bundled controllers from a post-start hook: in
// standalone mode with rt running their children as host processes, and
// when the server runs aggregated with a core Kubernetes API to create
// pods in.
// They reach the ml.example.io group through the server's loopback client,
// and kube-apiserver with the core client configuration (--kubeconfig or
// in-cluster). The returned function waits, after the server stopped, until
// they have stopped.
func addControllers(ctx context.Context, server *apiserver.Server, c options.CompletedOptions, config *apiserver.Config, rt *local.Runtime) func() {
	logger := klog.FromContext(ctx).WithName("controllers")
	noWait := func() {}
	switch {
	case !c.Controllers.Enabled():
		logger.Info("No controller enabled (--controllers)")
		return noWait
	case c.Standalone && rt != nil:
		return addLocalControllers(ctx, server, c, rt)
	case c.Standalone:
		logger.Info("Standalone mode without a local runtime: the controllers are off")
		return noWait
	case config.GenericConfig.ClientConfig == nil:
		logger.Info("No core Kubernetes API (--kubeconfig): the controllers are off")
		return noWait
	}
	kubeConfig := rest.CopyConfig(config.GenericConfig.ClientConfig)
	done := make(chan struct{})
	var started atomic.Bool
	server.GenericAPIServer.AddPostStartHookOrDie("start-ml-controllers", func(hookCtx genericapiserver.PostStartHookContext) error {
		manager, err := newControllerManager(withDataStores(c.ControllerConfig(), server), c.Controllers.KubeAPIQPS, c.Controllers.KubeAPIBurst, kubeConfig, hookCtx.LoopbackClientConfig)
		if err != nil {
			return err
		}
		started.Store(true)
		go func() {
			defer close(done)
			if err := manager.Run(klog.NewContext(hookCtx, logger)); err != nil {
				logger.Error(err, "Controllers stopped")
			}
		}()
		return nil
	})
	return func() {
		if !started.Load() {
			return
		}
		select {
		case <-done:
		case <-time.After(controllerStopTimeout):
			logger.Info("Controllers did not stop in time", "timeout", controllerStopTimeout)
		}
	}
}

// withDataStores adds to config the stores of the data etcd of server, for
// the controllers that need them (the latest-metrics writer, the archive
// sweep), and its artifact stores. The controller subcommand has no data
// etcd; it builds its artifact stores from its own flags.
func withDataStores(config controller.Config, server *apiserver.Server) controller.Config {
	if server != nil {
		config.Data = controller.DataStores{Logs: server.LogStore, Metrics: server.MetricStore, Artifacts: server.Artifacts}
	}
	return config
}

// newControllerManager builds the manager of the controllers: kubeConfig
// reaches kube-apiserver, mlConfig the ml.example.io group, both at qps
// and burst.
func newControllerManager(config controller.Config, qps float32, burst int, kubeConfig, mlConfig *rest.Config) (*controller.Manager, error) {
	kubeConfig = rest.CopyConfig(kubeConfig)
	kubeConfig.QPS, kubeConfig.Burst = qps, burst
	kubeConfig = rest.AddUserAgent(kubeConfig, controller.FieldManager)
	kube, err := kubernetes.NewForConfig(kubeConfig)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client of the controllers: %w", err)
	}
	mlConfig = rest.CopyConfig(mlConfig)
	mlConfig.QPS, mlConfig.Burst = qps, burst
	mlConfig = rest.AddUserAgent(mlConfig, controller.FieldManager)
	ml, err := mlclientset.NewForConfig(mlConfig)
	if err != nil {
		return nil, fmt.Errorf("ml.example.io client of the controllers: %w", err)
	}
	return controller.NewManager(config, kube, ml), nil
}
