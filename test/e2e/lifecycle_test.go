package e2e

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/e2e/framework"
)

// TestNamespaceDeletion deletes a namespace holding an object of every kind:
// kube-controller-manager's namespace controller must find our resources in
// discovery, delete the objects through kube-apiserver and finish.
func TestNamespaceDeletion(t *testing.T) {
	ctx := testContext(t, longTimeout+shortTimeout)
	ns := cluster.Namespace(t)
	kube := framework.Kube(t, cluster.Config())
	ml := framework.ML(t, cluster.Config())
	for _, kind := range mltesting.Kinds() {
		if _, err := kind.Client(ml, ns).Create(ctx, kind.New("doomed", ns), metav1.CreateOptions{}); err != nil {
			t.Fatalf("create %s: %v", kind.Name, err)
		}
	}

	if err := kube.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete namespace %s: %v", ns, err)
	}
	var last corev1.NamespaceStatus
	err := wait.PollUntilContextTimeout(ctx, pollInterval, longTimeout, true, func(ctx context.Context) (bool, error) {
		got, err := kube.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		last = got.Status
		return false, nil
	})
	if err != nil {
		t.Fatalf("namespace %s did not finish terminating within %v: %v; last status: %+v", ns, longTimeout, err, last)
	}

	// Nothing of the namespace may be left, as kube-apiserver and, when its
	// address is known, ml-apiserver itself list it.
	views := map[string]*rest.Config{"through kube-apiserver": cluster.Config()}
	if cluster.Env["ML_APISERVER_URL"] != "" {
		views["from ml-apiserver"] = cluster.MLAPIServerConfig(t)
	}
	for view, cfg := range views {
		cs := framework.ML(t, cfg)
		for _, kind := range mltesting.Kinds() {
			list, err := kind.Client(cs, ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				t.Errorf("list %s in the deleted namespace %s: %v", kind.Resource, view, err)
				continue
			}
			if len(list.Items) != 0 {
				t.Errorf("%s left in the deleted namespace %s, listed %s: %v", kind.Resource, ns, view, list.Names())
			}
		}
	}
}

// TestGarbageCollection gives ConfigMaps an ownerReference to a TrainingJob
// and deletes the job with each propagation policy: kube-controller-manager's
// garbage collector must resolve our kind through discovery and act on it.
func TestGarbageCollection(t *testing.T) {
	ns := cluster.Namespace(t)
	kube := framework.Kube(t, cluster.Config())
	jobs := framework.ML(t, cluster.Config()).MlV1alpha1().TrainingJobs(ns)
	configMaps := kube.CoreV1().ConfigMaps(ns)

	// ownedConfigMap creates a job and a ConfigMap it owns.
	ownedConfigMap := func(ctx context.Context, t *testing.T, name string) (*mlv1alpha1.TrainingJob, *corev1.ConfigMap) {
		t.Helper()
		job, err := jobs.Create(ctx, mltesting.NewTrainingJob(name, ns).Obj(), metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create job %s: %v", name, err)
		}
		cm, err := configMaps.Create(ctx, &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{
				Name: name + "-child",
				OwnerReferences: []metav1.OwnerReference{{
					APIVersion:         mlv1alpha1.SchemeGroupVersion.String(),
					Kind:               "TrainingJob",
					Name:               job.Name,
					UID:                job.UID,
					BlockOwnerDeletion: ptr.To(true),
				}},
			},
			Data: map[string]string{"owner": name},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create ConfigMap owned by %s: %v", name, err)
		}
		return job, cm
	}
	gone := func(ctx context.Context, get func(context.Context) error) error {
		return wait.PollUntilContextTimeout(ctx, pollInterval, longTimeout, true, func(ctx context.Context) (bool, error) {
			err := get(ctx)
			if apierrors.IsNotFound(err) {
				return true, nil
			}
			return false, err
		})
	}
	getConfigMap := func(name string) func(context.Context) error {
		return func(ctx context.Context) error {
			_, err := configMaps.Get(ctx, name, metav1.GetOptions{})
			return err
		}
	}
	getJob := func(name string) func(context.Context) error {
		return func(ctx context.Context) error {
			_, err := jobs.Get(ctx, name, metav1.GetOptions{})
			return err
		}
	}

	// A ConfigMap whose owner stays: it must survive every deletion below,
	// or the collector would be deleting what it cannot resolve.
	ctx := testContext(t, longTimeout)
	_, keeper := ownedConfigMap(ctx, t, "keeper")

	t.Run("background", func(t *testing.T) {
		ctx := testContext(t, longTimeout)
		job, cm := ownedConfigMap(ctx, t, "background")
		if err := jobs.Delete(ctx, job.Name, metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationBackground)}); err != nil {
			t.Fatalf("delete job: %v", err)
		}
		if err := gone(ctx, getConfigMap(cm.Name)); err != nil {
			t.Fatalf("ConfigMap %s owned by the deleted TrainingJob was not garbage-collected within %v: %v", cm.Name, longTimeout, err)
		}
	})

	t.Run("foreground", func(t *testing.T) {
		ctx := testContext(t, longTimeout)
		job, cm := ownedConfigMap(ctx, t, "foreground")
		if err := jobs.Delete(ctx, job.Name, metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationForeground)}); err != nil {
			t.Fatalf("delete job: %v", err)
		}
		// The job stays, with the foregroundDeletion finalizer, until the
		// collector has deleted its blocking dependent and removed it.
		if err := gone(ctx, getConfigMap(cm.Name)); err != nil {
			t.Fatalf("ConfigMap %s of the foreground-deleted TrainingJob was not deleted within %v: %v", cm.Name, longTimeout, err)
		}
		if err := gone(ctx, getJob(job.Name)); err != nil {
			t.Fatalf("foreground-deleted TrainingJob %s was not removed within %v: %v", job.Name, longTimeout, err)
		}
	})

	t.Run("orphan", func(t *testing.T) {
		ctx := testContext(t, longTimeout)
		job, cm := ownedConfigMap(ctx, t, "orphan")
		if err := jobs.Delete(ctx, job.Name, metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationOrphan)}); err != nil {
			t.Fatalf("delete job: %v", err)
		}
		// The collector removes the ownerReference, then the orphan
		// finalizer, and the job goes.
		if err := gone(ctx, getJob(job.Name)); err != nil {
			t.Fatalf("orphan-deleted TrainingJob %s was not removed within %v: %v", job.Name, longTimeout, err)
		}
		got, err := configMaps.Get(ctx, cm.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("ConfigMap of the orphan-deleted TrainingJob: %v", err)
		}
		if len(got.OwnerReferences) != 0 {
			t.Errorf("orphaned ConfigMap still has ownerReferences %+v", got.OwnerReferences)
		}
	})

	if _, err := configMaps.Get(ctx, keeper.Name, metav1.GetOptions{}); err != nil {
		t.Errorf("ConfigMap %s, whose TrainingJob still exists: %v", keeper.Name, err)
	}
	if t.Failed() {
		t.Logf("the garbage collector logs to %s/logs/kube-controller-manager.log", cluster.LocalUpDir)
	}
}
