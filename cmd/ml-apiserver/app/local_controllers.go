package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/wait"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/kubernetes"
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
	c := local.Config{
		Dir:            filepath.Join(o.DataDir, "workloads"),
		Labels:         map[string]string{mlv1alpha1.ManagedByLabel: mlv1alpha1.ControllerName},
		MaxGracePeriod: localGracePeriod,
		OwnerEnv:       metricsEnv(o),
		Confinement:    o.Local.Confinement(),
	}
	o.LocalRuntime.ApplyTo(&c)
	return local.New(c)
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
// right is to create that object's metrics while the object (its UID)
// exists. The certificate is issued by the standalone CA into the object's
// credentials directory, which the runtime removes with the object, valid
// for --metrics-credential-lifetime and renewed in place while the object
// lives (renewMetricsCredentials).
func metricsEnv(o *options.Options) func(owner workload.Owner, dir string) ([]corev1.EnvVar, error) {
	pki := o.PKI()
	creds := o.MetricsCredentials.New(pki)
	return func(owner workload.Owner, dir string) ([]corev1.EnvVar, error) {
		resource, ok := metricsResources[owner.Kind.Kind]
		if !ok {
			return nil, nil
		}
		cert, key, err := creds.Ensure(owner.Namespace, resource, owner.Name, owner.UID, dir)
		if err != nil {
			return nil, fmt.Errorf("issue the metrics certificate of %s/%s: %w", owner.Namespace, owner.Name, err)
		}
		// A copy of the CA certificate: the processes cannot read pki/.
		ca := filepath.Join(dir, "ca.crt")
		if _, err := os.Stat(ca); err != nil {
			data, err := os.ReadFile(pki.CACertFile())
			if err != nil {
				return nil, err
			}
			if err := os.WriteFile(ca, data, 0o600); err != nil {
				return nil, err
			}
		}
		url := fmt.Sprintf("https://%s/apis/%s/namespaces/%s/%s/%s/metrics",
			o.ServingAddress(), mlv1alpha1.SchemeGroupVersion, owner.Namespace, resource, owner.Name)
		return []corev1.EnvVar{
			{Name: "ML_METRICS_URL", Value: url},
			{Name: "ML_METRICS_CERT", Value: cert},
			{Name: "ML_METRICS_KEY", Value: key},
			{Name: "ML_METRICS_CA", Value: ca},
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
		kube, err := kubernetes.NewForConfig(hookCtx.LoopbackClientConfig)
		if err != nil {
			return err
		}
		started.Store(true)
		go renewMetricsCredentials(hookCtx, o.MetricsCredentials.New(o.PKI()), rt)
		go func() {
			defer close(done)
			removeStaleCredentials(hookCtx, ml, rt)
			manager := controller.NewStandaloneManager(o.Controllers.Config(), ml, kube.CoreV1(), rt)
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

// renewMetricsCredentials renews, until ctx is done, the metrics
// certificates of the objects whose processes have one, once half of
// their lifetime has passed. The credentials of a deleted object are
// removed with it, so only living objects' are renewed.
func renewMetricsCredentials(ctx context.Context, creds *standalone.MetricsCredentials, rt *local.Runtime) {
	logger := klog.FromContext(ctx)
	wait.UntilWithContext(ctx, func(ctx context.Context) {
		dirs, err := rt.CredentialsDirs()
		if err == nil {
			err = creds.Renew(dirs)
		}
		if err != nil {
			logger.Error(err, "Renewing metrics credentials")
		}
	}, creds.RenewInterval())
}

// removeStaleCredentials removes, before the controllers start any
// process, the credentials that objects deleted while the server was not
// running left in the runtime's directory. When the objects cannot be
// listed nothing is removed.
func removeStaleCredentials(ctx context.Context, ml mlclientset.Interface, rt *local.Runtime) {
	logger := klog.FromContext(ctx)
	var uids sets.Set[types.UID]
	err := wait.PollUntilContextTimeout(ctx, time.Second, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		var err error
		uids, err = ownerUIDs(ctx, ml)
		if err != nil {
			logger.V(2).Info("Listing objects to find stale credentials", "err", err)
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		logger.Info("Could not list the objects: stale credentials of deleted objects are kept", "err", err)
		return
	}
	if err := rt.RemoveStaleCredentials(uids.Has); err != nil {
		logger.Error(err, "Removing stale credentials")
	}
}

// ownerUIDs are the UIDs of every object whose processes may hold
// credentials, in every namespace.
func ownerUIDs(ctx context.Context, ml mlclientset.Interface) (sets.Set[types.UID], error) {
	v1 := ml.MlV1alpha1()
	uids := sets.New[types.UID]()
	jobs, err := v1.TrainingJobs(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list trainingjobs: %w", err)
	}
	for i := range jobs.Items {
		uids.Insert(jobs.Items[i].UID)
	}
	runs, err := v1.PipelineRuns(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list pipelineruns: %w", err)
	}
	for i := range runs.Items {
		uids.Insert(runs.Items[i].UID)
	}
	models, err := v1.Models(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list models: %w", err)
	}
	for i := range models.Items {
		uids.Insert(models.Items[i].UID)
	}
	notebooks, err := v1.Notebooks(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list notebooks: %w", err)
	}
	for i := range notebooks.Items {
		uids.Insert(notebooks.Items[i].UID)
	}
	return uids, nil
}
