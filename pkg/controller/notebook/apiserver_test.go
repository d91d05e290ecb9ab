package notebook_test

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2/ktesting"
	testingclock "k8s.io/utils/clock/testing"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/controllertest"
	"ml.example.io/ml-apiserver/pkg/controller/notebook"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	mlinformers "ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
	workloadkubernetes "ml.example.io/ml-apiserver/pkg/workload/kubernetes"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// idleProbe reports no kernel activity ever.
type idleProbe struct{}

func (idleProbe) LastActivity(context.Context, *mlv1alpha1.Notebook) (time.Time, error) {
	return time.Time{}, nil
}

// TestAgainstAPIServer runs the controller, with its informers, against a
// real ml-apiserver (standalone, in-process) for the notebooks and a fake
// kube-apiserver for the children: the status the controller writes must
// pass the server's validation, and culling an idle notebook must stop it
// through the server (a merge patch of spec.stopped on the version the
// decision was taken on).
func TestAgainstAPIServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an API server")
	}
	server := framework.StartTestServer(t)
	_, ctx := ktesting.NewTestContext(t)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ns := framework.NewNamespace(t)
	ml := server.Clientset()
	kube := controllertest.NewKubeClientset()
	clock := testingclock.NewFakeClock(time.Now())
	start(ctx, t, ml, kube, clock)

	nb := &mlv1alpha1.Notebook{
		ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: ns},
		Spec: mlv1alpha1.NotebookSpec{
			ContainerSpec: mlv1alpha1.ContainerSpec{Image: "jupyter:1"},
			IdleTimeout:   "1h",
		},
	}
	if _, err := ml.MlV1alpha1().Notebooks(ns).Create(ctx, nb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitNotebook(ctx, t, ml, ns, "pending", func(nb *mlv1alpha1.Notebook) bool {
		return nb.Status.Phase == mlv1alpha1.NotebookPending && nb.Status.Selector == "ml.example.io/notebook=a"
	})

	// The claim binds and the pod becomes ready, as the volume binder
	// and the StatefulSet controller would report.
	poll(ctx, t, "bind the claim", func() error {
		c, err := kube.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "a-workspace", metav1.GetOptions{})
		if err != nil {
			return err
		}
		c.Status.Phase = corev1.ClaimBound
		_, err = kube.CoreV1().PersistentVolumeClaims(ns).UpdateStatus(ctx, c, metav1.UpdateOptions{})
		return err
	})
	settle := func(replicas int32) {
		poll(ctx, t, "settle the statefulset", func() error {
			s, err := kube.AppsV1().StatefulSets(ns).Get(ctx, "a", metav1.GetOptions{})
			if err != nil {
				return err
			}
			if *s.Spec.Replicas != replicas {
				return errWaiting
			}
			s.Status = appsv1.StatefulSetStatus{ObservedGeneration: s.Generation, Replicas: replicas, ReadyReplicas: replicas, AvailableReplicas: replicas}
			_, err = kube.AppsV1().StatefulSets(ns).UpdateStatus(ctx, s, metav1.UpdateOptions{})
			return err
		})
	}
	settle(1)
	waitNotebook(ctx, t, ml, ns, "running", func(nb *mlv1alpha1.Notebook) bool {
		return nb.Status.Phase == mlv1alpha1.NotebookRunning && meta.IsStatusConditionTrue(nb.Status.Conditions, notebook.ConditionReady)
	})

	// An hour without activity: the controller's requeue fires on the
	// fake clock, which moves a minute at each look, and culls the
	// notebook.
	started := clock.Now()
	got := waitNotebook(ctx, t, ml, ns, "culled", func(nb *mlv1alpha1.Notebook) bool {
		if !nb.Spec.Stopped {
			clock.Step(time.Minute)
		}
		return nb.Spec.Stopped
	})
	if idle := clock.Since(started); idle < time.Hour {
		t.Errorf("culled after %v of a 1h idleTimeout", idle)
	}
	if got.Generation != 2 {
		t.Errorf("generation after culling = %d, want 2", got.Generation)
	}
	settle(0)
	waitNotebook(ctx, t, ml, ns, "stopped", func(nb *mlv1alpha1.Notebook) bool {
		return nb.Status.Phase == mlv1alpha1.NotebookStopped && nb.Status.ObservedGeneration == 2
	})
}

var errWaiting = context.DeadlineExceeded

func start(ctx context.Context, t *testing.T, ml mlclientset.Interface, kube *kubefake.Clientset, clock *testingclock.FakeClock) {
	kubeInf := informers.NewSharedInformerFactory(kube, 0)
	mlInf := mlinformers.NewSharedInformerFactory(ml, 0)
	c, err := notebook.New(notebook.Config{
		Client:    ml,
		Notebooks: mlInf.Ml().V1alpha1().Notebooks(),
		Runtime: workloadkubernetes.New(workloadkubernetes.Config{
			Client:       kube,
			Pods:         kubeInf.Core().V1().Pods(),
			Services:     kubeInf.Core().V1().Services(),
			Deployments:  kubeInf.Apps().V1().Deployments(),
			StatefulSets: kubeInf.Apps().V1().StatefulSets(),
			Volumes:      kubeInf.Core().V1().PersistentVolumeClaims(),
			FieldManager: mlv1alpha1.ControllerName,
		}),
		Probe:            idleProbe{},
		ProbeInterval:    10 * time.Minute,
		Recorder:         record.NewFakeRecorder(1000),
		Clock:            clock,
		ChildBatchPeriod: -1,
		FieldManager:     mlv1alpha1.ControllerName,
	})
	if err != nil {
		t.Fatal(err)
	}
	kubeInf.Start(ctx.Done())
	mlInf.Start(ctx.Done())
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Run(ctx, 2)
	}()
	t.Cleanup(func() { <-done })
}

func poll(ctx context.Context, t *testing.T, what string, f func() error) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, wait.ForeverTestTimeout, true, func(context.Context) (bool, error) {
		last = f()
		return last == nil, nil
	})
	if err != nil {
		t.Fatalf("%s: %v (last: %v)", what, err, last)
	}
}

func waitNotebook(ctx context.Context, t *testing.T, ml mlclientset.Interface, ns, what string, cond func(*mlv1alpha1.Notebook) bool) *mlv1alpha1.Notebook {
	t.Helper()
	var nb *mlv1alpha1.Notebook
	err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, wait.ForeverTestTimeout, true, func(ctx context.Context) (bool, error) {
		var err error
		nb, err = ml.MlV1alpha1().Notebooks(ns).Get(ctx, "a", metav1.GetOptions{})
		return err == nil && cond(nb), nil
	})
	if err != nil {
		t.Fatalf("notebook not %s: last %+v", what, nb)
	}
	return nb
}
