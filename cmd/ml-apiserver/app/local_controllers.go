package app

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"time"

	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/apiserver"
	"ml.example.io/ml-apiserver/pkg/controller"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/pkg/standalone"
	"ml.example.io/ml-apiserver/pkg/storage/artifactfetch"
	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
	"ml.example.io/ml-apiserver/pkg/workload/local"
)

// localGracePeriod caps the termination grace period of local processes,
// so that deleting, scaling down or stopping the server never waits long.
const localGracePeriod = 10 * time.Second

// newLocalRuntime returns the runtime that runs the children of objects as
// processes of this host, in the data directory's workloads folder, when
// the server runs standalone with controllers; nil otherwise. Their
// processes push metrics with certificates of the standalone CA; their
// model files are pulled from artifacts.
func newLocalRuntime(c options.CompletedOptions, artifacts *artifactstore.Resolver) (*local.Runtime, error) {
	if !c.Standalone || !c.Controllers.Enabled() {
		return nil, nil
	}
	config := local.Config{
		Dir:            filepath.Join(c.DataDir, "workloads"),
		Labels:         map[string]string{mlv1alpha1.ManagedByLabel: mlv1alpha1.ControllerName},
		MaxGracePeriod: localGracePeriod,
		OwnerEnv:       standalone.MetricsEnv(c.MetricsCredentials.New(c.PKI), c.ServingAddress),
		Confinement:    c.Local.Confinement(),
		Fetcher:        modelFetcher(c, artifacts),
	}
	c.LocalRuntime.ApplyTo(&config)
	if artifacts != nil {
		config.Artifacts = local.ArtifactConfig{Stores: artifacts, MaxBytes: artifacts.MaxBytes}
	}
	return local.New(config)
}

// addLocalControllers starts the controllers in standalone mode from a
// post-start hook, with rt running the children. The returned function
// waits, after the server stopped, until they have stopped and every
// process of rt has ended.
func addLocalControllers(ctx context.Context, server *apiserver.Server, c options.CompletedOptions, rt *local.Runtime) func() {
	logger := klog.FromContext(ctx).WithName("controllers")
	done := make(chan struct{})
	var started atomic.Bool
	server.GenericAPIServer.AddPostStartHookOrDie("start-ml-controllers", func(hookCtx genericapiserver.PostStartHookContext) error {
		ml, err := mlclientset.NewForConfig(hookCtx.LoopbackClientConfig)
		if err != nil {
			return err
		}
		kube, err := kubernetes.NewForConfig(hookCtx.LoopbackClientConfig)
		if err != nil {
			return err
		}
		started.Store(true)
		go standalone.RenewMetricsCredentials(hookCtx, c.MetricsCredentials.New(c.PKI), rt)
		go func() {
			defer close(done)
			standalone.RemoveStaleCredentials(hookCtx, ml, rt)
			manager := controller.NewStandaloneManager(withDataStores(c.ControllerConfig(), server), ml, kube.CoreV1(), rt)
			if err := manager.Run(klog.NewContext(hookCtx, logger)); err != nil {
				logger.Error(err, "Controllers stopped")
			}
		}()
		return nil
	})
	return func() {
		if started.Load() {
			select {
			case <-done:
			case <-time.After(controllerStopTimeout):
				logger.Info("Controllers did not stop in time", "timeout", controllerStopTimeout)
			}
		}
		stopCtx, cancel := context.WithTimeout(context.Background(), localGracePeriod+5*time.Second)
		defer cancel()
		rt.Shutdown(stopCtx)
	}
}

// modelFetcher reads the files of Models' sources: from the namespaces'
// artifact stores, https://, and in standalone mode the files local
// processes may read anyway (--local-read-only-paths,
// --local-read-write-paths).
func modelFetcher(c options.CompletedOptions, artifacts *artifactstore.Resolver) *artifactfetch.Fetcher {
	f := &artifactfetch.Fetcher{}
	if artifacts != nil {
		f.Stores, f.MaxBytes = artifacts, artifacts.MaxBytes
	}
	if c.Standalone {
		f.LocalRoots = append(append([]string(nil), c.Local.ReadOnlyPaths...), c.Local.ReadWritePaths...)
	}
	return f
}
