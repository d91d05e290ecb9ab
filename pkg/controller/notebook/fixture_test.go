package notebook

import (
	"context"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2/ktesting"
	testingclock "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/controllertest"
	mlfake "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/fake"
	mlinformers "ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
	workloadkubernetes "ml.example.io/ml-apiserver/pkg/workload/kubernetes"
)

// t0 is the fake clock's start in every test.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// makeNotebook returns a v1alpha1 Notebook with the defaults the API
// server sets.
func makeNotebook(name string) *mlv1alpha1.Notebook {
	return &mlv1alpha1.Notebook{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID("uid-" + name), Generation: 1, ResourceVersion: "1"},
		Spec: mlv1alpha1.NotebookSpec{
			ContainerSpec: mlv1alpha1.ContainerSpec{Image: "jupyter:1"},
			Replicas:      ptr.To[int32](1),
			Port:          8888,
			Workspace:     &mlv1alpha1.WorkspaceSpec{Size: ptr.To(resourceMust("1Gi")), MountPath: "/home/jovyan"},
		},
	}
}

// fakeProbe reports a fixed activity, or an error.
type fakeProbe struct {
	last  time.Time
	err   error
	calls int
}

func (p *fakeProbe) LastActivity(context.Context, *mlv1alpha1.Notebook) (time.Time, error) {
	p.calls++
	return p.last, p.err
}

// fixture is a controller over fake clientsets whose informers are never
// started: observe copies what the clientsets hold into the caches.
type fixture struct {
	t        *testing.T
	ctx      context.Context
	kube     *kubefake.Clientset
	ml       *mlfake.Clientset
	kubeInf  informers.SharedInformerFactory
	mlInf    mlinformers.SharedInformerFactory
	clock    *testingclock.FakeClock
	probe    *fakeProbe
	recorder *record.FakeRecorder
	c        *Controller
}

func newFixture(t *testing.T, nb *mlv1alpha1.Notebook) *fixture {
	t.Helper()
	_, ctx := ktesting.NewTestContext(t)
	f := &fixture{
		t: t, ctx: ctx, kube: controllertest.NewKubeClientset(), ml: mlfake.NewClientset(nb),
		clock: testingclock.NewFakeClock(t0), probe: &fakeProbe{}, recorder: record.NewFakeRecorder(100),
	}
	f.kubeInf = informers.NewSharedInformerFactory(f.kube, 0)
	f.mlInf = mlinformers.NewSharedInformerFactory(f.ml, 0)
	rt := workloadkubernetes.New(workloadkubernetes.Config{
		Client:       f.kube,
		Pods:         f.kubeInf.Core().V1().Pods(),
		Services:     f.kubeInf.Core().V1().Services(),
		Deployments:  f.kubeInf.Apps().V1().Deployments(),
		StatefulSets: f.kubeInf.Apps().V1().StatefulSets(),
		Volumes:      f.kubeInf.Core().V1().PersistentVolumeClaims(),
		FieldManager: mlv1alpha1.ControllerName,
		Labels:       map[string]string{mlv1alpha1.ManagedByLabel: mlv1alpha1.ControllerName},
	})
	c, err := New(Config{
		Client:           f.ml,
		Notebooks:        f.mlInf.Ml().V1alpha1().Notebooks(),
		Runtime:          rt,
		Probe:            f.probe,
		ProbeInterval:    time.Minute,
		Recorder:         f.recorder,
		Clock:            f.clock,
		ChildBatchPeriod: -1,
		FieldManager:     mlv1alpha1.ControllerName,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.c = c
	t.Cleanup(c.queue.ShutDown)
	return f
}

// observe fills the caches with what the clientsets hold.
func (f *fixture) observe() {
	f.t.Helper()
	controllertest.Observe(f.t, f.kubeInf.Apps().V1().StatefulSets().Informer(), f.kube.AppsV1().StatefulSets("").List)
	controllertest.Observe(f.t, f.kubeInf.Core().V1().Services().Informer(), f.kube.CoreV1().Services("").List)
	controllertest.Observe(f.t, f.kubeInf.Core().V1().PersistentVolumeClaims().Informer(), f.kube.CoreV1().PersistentVolumeClaims("").List)
	controllertest.Observe(f.t, f.mlInf.Ml().V1alpha1().Notebooks().Informer(), f.ml.MlV1alpha1().Notebooks("").List)
}

// sync runs one sync of notebook a after the caches observed the
// clientsets.
func (f *fixture) sync() error {
	f.t.Helper()
	f.observe()
	f.kube.ClearActions()
	f.ml.ClearActions()
	return f.c.sync(f.ctx, cache.ObjectName{Namespace: "ns", Name: "a"})
}

func (f *fixture) mustSync() {
	f.t.Helper()
	if err := f.sync(); err != nil {
		f.t.Fatalf("sync: %v", err)
	}
}

// notebook returns the stored notebook a.
func (f *fixture) notebook() *mlv1alpha1.Notebook {
	f.t.Helper()
	nb, err := f.ml.MlV1alpha1().Notebooks("ns").Get(f.ctx, "a", metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return nb
}

// update stores a change of notebook a's spec, as a user would.
func (f *fixture) update(change func(*mlv1alpha1.Notebook)) {
	f.t.Helper()
	nb := f.notebook()
	change(nb)
	nb.Generation++
	if _, err := f.ml.MlV1alpha1().Notebooks("ns").Update(f.ctx, nb, metav1.UpdateOptions{}); err != nil {
		f.t.Fatal(err)
	}
}

// statefulSet returns the stored StatefulSet a.
func (f *fixture) statefulSet() *appsv1.StatefulSet {
	f.t.Helper()
	s, err := f.kube.AppsV1().StatefulSets("ns").Get(f.ctx, "a", metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// claim returns the stored workspace claim.
func (f *fixture) claim() *corev1.PersistentVolumeClaim {
	f.t.Helper()
	c, err := f.kube.CoreV1().PersistentVolumeClaims("ns").Get(f.ctx, WorkspaceClaimName("a"), metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// bind marks the workspace claim Bound, as the volume binder would.
func (f *fixture) bind() {
	f.t.Helper()
	c := f.claim()
	c.Status.Phase = corev1.ClaimBound
	if _, err := f.kube.CoreV1().PersistentVolumeClaims("ns").UpdateStatus(f.ctx, c, metav1.UpdateOptions{}); err != nil {
		f.t.Fatal(err)
	}
}

// settle makes the StatefulSet's status what its controller reports once
// its replicas are ready.
func (f *fixture) settle() {
	f.t.Helper()
	s := f.statefulSet()
	n := ptr.Deref(s.Spec.Replicas, 1)
	s.Status = appsv1.StatefulSetStatus{ObservedGeneration: s.Generation, Replicas: n, ReadyReplicas: n, AvailableReplicas: n, CurrentReplicas: n, UpdatedReplicas: n}
	if _, err := f.kube.AppsV1().StatefulSets("ns").UpdateStatus(f.ctx, s, metav1.UpdateOptions{}); err != nil {
		f.t.Fatal(err)
	}
}

// writes returns the write actions of the last sync, sorted: the
// controller writes a notebook's children in no fixed order.
func (f *fixture) writes() []string {
	w := controllertest.Writes(f.kube.Actions(), f.ml.Actions())
	slices.Sort(w)
	return w
}

// events drains the recorded events, as "Type Reason Message".
func (f *fixture) events() []string { return controllertest.DrainEvents(f.recorder) }

// eventReasons drains the recorded events and returns their reasons.
func (f *fixture) eventReasons() []string { return controllertest.EventReasons(f.recorder) }
