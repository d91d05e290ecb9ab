package standalone

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// CredentialsDirs is where the local runtime keeps the credentials of the
// objects whose processes it runs, one directory per object UID, removed
// with the object (*local.Runtime).
type CredentialsDirs interface {
	// CredentialsDirs returns the credentials directory of each object.
	CredentialsDirs() (map[types.UID]string, error)
	// RemoveStaleCredentials removes the directories of the objects that
	// exists says are gone.
	RemoveStaleCredentials(exists func(types.UID) bool) error
}

// metricsResources are the kinds whose processes push metrics, by kind.
var metricsResources = map[string]string{
	"TrainingJob": "trainingjobs",
	"PipelineRun": "pipelineruns",
	"Model":       "models",
}

// MetricsEnv returns the local runtime's OwnerEnv: it gives the processes
// of an object where and how to push its metrics to the server serving on
// servingAddress (host:port): ML_METRICS_URL, and a client certificate
// (ML_METRICS_CERT, ML_METRICS_KEY, trusting ML_METRICS_CA) whose only
// right is to create that object's metrics while the object (its UID)
// exists. The certificate is issued by creds into the object's
// credentials directory, which the runtime removes with the object, and
// renewed in place while the object lives (RenewMetricsCredentials).
func MetricsEnv(creds *MetricsCredentials, servingAddress string) func(owner workload.Owner, dir string) ([]corev1.EnvVar, error) {
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
			data, err := os.ReadFile(creds.PKI.CACertFile())
			if err != nil {
				return nil, err
			}
			if err := os.WriteFile(ca, data, 0o600); err != nil {
				return nil, err
			}
		}
		url := fmt.Sprintf("https://%s/apis/%s/namespaces/%s/%s/%s/metrics",
			servingAddress, mlv1alpha1.SchemeGroupVersion, owner.Namespace, resource, owner.Name)
		return []corev1.EnvVar{
			{Name: "ML_METRICS_URL", Value: url},
			{Name: "ML_METRICS_CERT", Value: cert},
			{Name: "ML_METRICS_KEY", Value: key},
			{Name: "ML_METRICS_CA", Value: ca},
		}, nil
	}
}

// RenewMetricsCredentials renews, until ctx is done, the metrics
// certificates of the objects whose processes have one, once half of
// their lifetime has passed. The credentials of a deleted object are
// removed with it, so only living objects' are renewed.
func RenewMetricsCredentials(ctx context.Context, creds *MetricsCredentials, rt CredentialsDirs) {
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

// RemoveStaleCredentials removes, before the controllers start any
// process, the credentials that objects deleted while the server was not
// running left in the runtime's directory. When the objects cannot be
// listed nothing is removed.
func RemoveStaleCredentials(ctx context.Context, ml mlclientset.Interface, rt CredentialsDirs) {
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
