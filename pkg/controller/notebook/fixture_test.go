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
	testingclock "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/controllertest"
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
			Workspace:     &mlv1alpha1.WorkspaceSpec{VolumeSize: ptr.To(resourceMust("1Gi")), MountPath: "/home/jovyan"},
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

// fixture is the controller over the fakes of controllertest.Fixture,
// with a fake clock and a fake activity probe.
type fixture struct {
	*controllertest.Fixture
	clock *testingclock.FakeClock
	probe *fakeProbe
	c     *Controller
}

func newFixture(t *testing.T, nb *mlv1alpha1.Notebook) *fixture {
	t.Helper()
	f := &fixture{Fixture: controllertest.NewFixture(t, nb), clock: testingclock.NewFakeClock(t0), probe: &fakeProbe{}}
	c, err := New(Config{
		Client:           f.ML,
		Notebooks:        f.MLInformers.Ml().V1alpha1().Notebooks(),
		Runtime:          f.ServingRuntime(),
		Probe:            f.probe,
		ProbeInterval:    time.Minute,
		Recorder:         f.Recorder,
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

// mustSync runs one sync of notebook a after the caches observed the
// clientsets; it must succeed.
func (f *fixture) mustSync() {
	f.T.Helper()
	f.MustSync(f.c.sync, "ns", "a")
}

// notebook returns the stored notebook a.
func (f *fixture) notebook() *mlv1alpha1.Notebook {
	f.T.Helper()
	return controllertest.Get(f.T, f.ML.MlV1alpha1().Notebooks("ns"), "a")
}

// update stores a change of notebook a's spec, as a user would.
func (f *fixture) update(change func(*mlv1alpha1.Notebook)) {
	f.T.Helper()
	controllertest.UpdateSpec(f.T, f.ML.MlV1alpha1().Notebooks("ns"), "a", change)
}

// statefulSet returns the stored StatefulSet a.
func (f *fixture) statefulSet() *appsv1.StatefulSet {
	f.T.Helper()
	return controllertest.Get(f.T, f.Kube.AppsV1().StatefulSets("ns"), "a")
}

// claim returns the stored workspace claim.
func (f *fixture) claim() *corev1.PersistentVolumeClaim {
	f.T.Helper()
	return controllertest.Get(f.T, f.Kube.CoreV1().PersistentVolumeClaims("ns"), WorkspaceClaimName("a"))
}

// bind marks the workspace claim Bound, as the volume binder would.
func (f *fixture) bind() {
	f.T.Helper()
	c := f.claim()
	c.Status.Phase = corev1.ClaimBound
	if _, err := f.Kube.CoreV1().PersistentVolumeClaims("ns").UpdateStatus(f.Ctx, c, metav1.UpdateOptions{}); err != nil {
		f.T.Fatal(err)
	}
}

// settle makes the StatefulSet's status what its controller reports once
// its replicas are ready.
func (f *fixture) settle() {
	f.T.Helper()
	s := f.statefulSet()
	n := ptr.Deref(s.Spec.Replicas, 1)
	s.Status = appsv1.StatefulSetStatus{ObservedGeneration: s.Generation, Replicas: n, ReadyReplicas: n, AvailableReplicas: n, CurrentReplicas: n, UpdatedReplicas: n}
	if _, err := f.Kube.AppsV1().StatefulSets("ns").UpdateStatus(f.Ctx, s, metav1.UpdateOptions{}); err != nil {
		f.T.Fatal(err)
	}
}

// writes returns the write actions of the last sync, sorted: the
// controller writes a notebook's children in no fixed order.
func (f *fixture) writes() []string {
	return slices.Sorted(slices.Values(controllertest.Writes(f.Kube.Actions(), f.ML.Actions())))
}

// events drains the recorded events, as "Type Reason Message".
func (f *fixture) events() []string { return controllertest.DrainEvents(f.Recorder) }

// eventReasons drains the recorded events and returns their reasons.
func (f *fixture) eventReasons() []string { return controllertest.EventReasons(f.Recorder) }
