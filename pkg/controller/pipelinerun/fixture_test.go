package pipelinerun

import (
	"context"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2/ktesting"
	testingclock "k8s.io/utils/clock/testing"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/controllertest"
	mlfake "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/fake"
	mlinformers "ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
	workloadkubernetes "ml.example.io/ml-apiserver/pkg/workload/kubernetes"
)

var t0 = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

// fixture is a controller over fake clientsets whose informers are never
// started: observe copies what the clientsets hold into the caches, as
// informers would, so that each test decides when the controller sees a
// change.
type fixture struct {
	t        *testing.T
	ctx      context.Context
	kube     *kubefake.Clientset
	ml       *mlfake.Clientset
	kubeInf  informers.SharedInformerFactory
	mlInf    mlinformers.SharedInformerFactory
	clock    *testingclock.FakeClock
	recorder *record.FakeRecorder
	c        *Controller
}

func newFixture(t *testing.T, runs ...*mlv1alpha1.PipelineRun) *fixture {
	t.Helper()
	_, ctx := ktesting.NewTestContext(t)
	f := &fixture{t: t, ctx: ctx, kube: controllertest.NewKubeClientset(), clock: testingclock.NewFakeClock(t0), recorder: record.NewFakeRecorder(1000)}
	var objs []runtime.Object
	for _, r := range runs {
		objs = append(objs, r)
	}
	f.ml = mlfake.NewClientset(objs...)
	f.kubeInf = informers.NewSharedInformerFactory(f.kube, 0)
	f.mlInf = mlinformers.NewSharedInformerFactory(f.ml, 0)
	rt := workloadkubernetes.New(workloadkubernetes.Config{
		Client:       f.kube,
		Pods:         f.kubeInf.Core().V1().Pods(),
		Services:     f.kubeInf.Core().V1().Services(),
		FieldManager: mlv1alpha1.ControllerName,
		Labels:       map[string]string{mlv1alpha1.ManagedByLabel: mlv1alpha1.ControllerName},
	})
	c, err := New(Config{
		Client:           f.ml,
		Runs:             f.mlInf.Ml().V1alpha1().PipelineRuns(),
		Runtime:          rt,
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
	f.observe()
	return f
}

// observe fills the caches with what the clientsets hold. Runs have no
// Services: that cache stays empty.
func (f *fixture) observe() {
	f.t.Helper()
	controllertest.Observe(f.t, f.kubeInf.Core().V1().Pods().Informer(), f.kube.CoreV1().Pods("").List)
	controllertest.Replace(f.t, f.kubeInf.Core().V1().Services().Informer().GetIndexer(), nil)
	controllertest.Observe(f.t, f.mlInf.Ml().V1alpha1().PipelineRuns().Informer(), f.ml.MlV1alpha1().PipelineRuns("").List)
}

// sync runs one sync of run name after the caches observed the clientsets.
func (f *fixture) sync(name string) error {
	f.t.Helper()
	f.observe()
	f.kube.ClearActions()
	f.ml.ClearActions()
	return f.c.sync(f.ctx, cache.ObjectName{Namespace: "ns", Name: name})
}

func (f *fixture) mustSync(name string) {
	f.t.Helper()
	if err := f.sync(name); err != nil {
		f.t.Fatalf("sync: %v", err)
	}
}

// run returns the stored run, or nil when it is gone.
func (f *fixture) run(name string) *mlv1alpha1.PipelineRun {
	f.t.Helper()
	r, err := f.ml.MlV1alpha1().PipelineRuns("ns").Get(f.ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil
	}
	return r
}

// create stores a run, as the API server would after admission.
func (f *fixture) create(run *mlv1alpha1.PipelineRun) {
	f.t.Helper()
	if err := f.ml.Tracker().Add(run); err != nil {
		f.t.Fatal(err)
	}
}

// podNames are the names of the stored pods, sorted.
func (f *fixture) podNames() []string {
	f.t.Helper()
	pods, err := f.kube.CoreV1().Pods("ns").List(f.ctx, metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	var names []string
	for _, p := range pods.Items {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	return names
}

func (f *fixture) pod(name string) *corev1.Pod {
	f.t.Helper()
	p, err := f.kube.CoreV1().Pods("ns").Get(f.ctx, name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

// endPod ends a stored pod as a kubelet would, with an exit code and a
// termination message.
func (f *fixture) endPod(name string, exitCode int32, message string) {
	f.t.Helper()
	p := f.pod(name)
	p.Status.Phase = corev1.PodSucceeded
	reason := "Completed"
	if exitCode != 0 {
		p.Status.Phase, reason = corev1.PodFailed, "Error"
	}
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{
		Name: ContainerName,
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: exitCode, Reason: reason, Message: message, FinishedAt: metav1.NewTime(f.clock.Now()),
		}},
	}}
	if _, err := f.kube.CoreV1().Pods("ns").UpdateStatus(f.ctx, p, metav1.UpdateOptions{}); err != nil {
		f.t.Fatal(err)
	}
}

// events drains the recorded events, as "Type Reason Message".
func (f *fixture) events() []string { return controllertest.DrainEvents(f.recorder) }

// eventReasons drains the recorded events and returns their reasons.
func (f *fixture) eventReasons() []string { return controllertest.EventReasons(f.recorder) }

// makeRun is a run of Pipeline p whose spec is spec (internal, built with
// the ml testing builders), with the snapshot the admission plugin writes.
func makeRun(t *testing.T, name string, spec *ml.PipelineSpec, params ...mlv1alpha1.Param) *mlv1alpha1.PipelineRun {
	t.Helper()
	var v mlv1alpha1.PipelineSpec
	if err := mlv1alpha1.Convert_ml_PipelineSpec_To_v1alpha1_PipelineSpec(spec.DeepCopy(), &v, nil); err != nil {
		t.Fatal(err)
	}
	return &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID("uid-" + name), Generation: 1},
		Spec:       mlv1alpha1.PipelineRunSpec{PipelineRef: &mlv1alpha1.LocalObjectReference{Name: "p"}, Params: params},
		Status:     mlv1alpha1.PipelineRunStatus{PipelineSpec: &v, Params: params},
	}
}
