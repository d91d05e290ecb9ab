package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/apiserver"
	"ml.example.io/ml-apiserver/pkg/controller"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/pkg/standalone"
	"ml.example.io/ml-apiserver/pkg/workload"
	"ml.example.io/ml-apiserver/pkg/workload/local"
)

// localGracePeriod caps the termination grace period of local processes,
// so that deleting, scaling down or stopping the server never waits long.
const localGracePeriod = 10 * time.Second

// newLocalRuntime returns the runtime that runs the children of objects as
// processes of this host, in the data directory's workloads folder, when
// the server runs standalone with controllers; nil otherwise.
func newLocalRuntime(o *options.Options) (*local.Runtime, error) {
	if !o.Standalone || !o.Controllers.Enabled() {
		return nil, nil
	}
	return local.New(local.Config{
		Dir:            filepath.Join(o.DataDir, "workloads"),
		Labels:         map[string]string{mlv1alpha1.ManagedByLabel: mlv1alpha1.ControllerName},
		MaxGracePeriod: localGracePeriod,
		OwnerEnv:       metricsEnv(o),
	})
}

// metricsResources are the kinds whose processes push metrics, by kind.
var metricsResources = map[string]string{
	"TrainingJob": "trainingjobs",
	"PipelineRun": "pipelineruns",
	"Model":       "models",
}

// metricsEnv gives the processes of an object where and how to push its
// metrics to this server: ML_METRICS_URL, and a client certificate
// (ML_METRICS_CERT, ML_METRICS_KEY, trusting ML_METRICS_CA) whose only
// right is to create that object's metrics. The certificate is issued once
// per object, by the standalone CA.
func metricsEnv(o *options.Options) func(owner workload.Owner) ([]corev1.EnvVar, error) {
	pki := o.PKI()
	return func(owner workload.Owner) ([]corev1.EnvVar, error) {
		resource, ok := metricsResources[owner.Kind.Kind]
		if !ok {
			return nil, nil
		}
		dir := filepath.Join(o.DataDir, "workloads", "credentials", string(owner.UID))
		cert, key := filepath.Join(dir, "metrics.crt"), filepath.Join(dir, "metrics.key")
		if _, err := os.Stat(cert); err != nil {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, err
			}
			user := standalone.MetricsWriterUser(owner.Namespace, resource, owner.Name)
			if err := pki.IssueClientCert(user, []string{standalone.MetricsWriterGroup}, cert, key); err != nil {
				return nil, fmt.Errorf("issue the metrics certificate of %s/%s: %w", owner.Namespace, owner.Name, err)
			}
		}
		url := fmt.Sprintf("https://%s/apis/%s/namespaces/%s/%s/%s/metrics",
			o.ServingAddress(), mlv1alpha1.SchemeGroupVersion, owner.Namespace, resource, owner.Name)
		return []corev1.EnvVar{
			{Name: "ML_METRICS_URL", Value: url},
			{Name: "ML_METRICS_CERT", Value: cert},
			{Name: "ML_METRICS_KEY", Value: key},
			{Name: "ML_METRICS_CA", Value: pki.CACertFile()},
		}, nil
	}
}

// addLocalControllers starts the controllers in standalone mode from a
// post-start hook, with rt running the children. The returned function
// waits, after the server stopped, until they have stopped and every
// process of rt has ended.
func addLocalControllers(ctx context.Context, server *apiserver.Server, o *options.Options, rt *local.Runtime) func() {
	logger := klog.FromContext(ctx).WithName("controllers")
	done := make(chan struct{})
	var started atomic.Bool
	server.GenericAPIServer.AddPostStartHookOrDie("start-ml-controllers", func(hookCtx genericapiserver.PostStartHookContext) error {
		ml, err := mlclientset.NewForConfig(hookCtx.LoopbackClientConfig)
		if err != nil {
			return err
		}
		started.Store(true)
		go func() {
			defer close(done)
			if err := controller.RunStandalone(klog.NewContext(hookCtx, logger), o.Controllers.Config(), ml, rt); err != nil {
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
