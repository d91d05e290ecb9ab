package trainingjob

import (
	"context"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2/ktesting"
	testingclock "k8s.io/utils/clock/testing"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/controllertest"
	mlfake "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/fake"
	mlinformers "ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
	workloadkubernetes "ml.example.io/ml-apiserver/pkg/workload/kubernetes"
)

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

func newFixture(t *testing.T, jobs ...*mlv1alpha1.TrainingJob) *fixture {
	t.Helper()
	_, ctx := ktesting.NewTestContext(t)
	f := &fixture{t: t, ctx: ctx, kube: controllertest.NewKubeClientset(), clock: testingclock.NewFakeClock(t0), recorder: record.NewFakeRecorder(100)}
	var objs []runtime.Object
	for _, j := range jobs {
		objs = append(objs, j)
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
		Jobs:             f.mlInf.Ml().V1alpha1().TrainingJobs(),
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

// observe fills the caches with what the clientsets hold.
func (f *fixture) observe() {
	f.t.Helper()
	controllertest.Observe(f.t, f.kubeInf.Core().V1().Pods().Informer(), f.kube.CoreV1().Pods("").List)
	controllertest.Observe(f.t, f.kubeInf.Core().V1().Services().Informer(), f.kube.CoreV1().Services("").List)
	controllertest.Observe(f.t, f.mlInf.Ml().V1alpha1().TrainingJobs().Informer(), f.ml.MlV1alpha1().TrainingJobs("").List)
}

// sync runs one sync of job a, after the caches observed the clientsets.
func (f *fixture) sync() error {
	f.t.Helper()
	f.observe()
	f.kube.ClearActions()
	f.ml.ClearActions()
	return f.c.sync(f.ctx, cache.ObjectName{Namespace: "ns", Name: "a"})
}

// mustSync is sync that must succeed.
func (f *fixture) mustSync() {
	f.t.Helper()
	if err := f.sync(); err != nil {
		f.t.Fatalf("sync: %v", err)
	}
}

// job returns the stored job a, or nil when it is gone.
func (f *fixture) job() *mlv1alpha1.TrainingJob {
	f.t.Helper()
	j, err := f.ml.MlV1alpha1().TrainingJobs("ns").Get(f.ctx, "a", metav1.GetOptions{})
	if err != nil {
		return nil
	}
	return j
}

// update stores a change of job a's spec, as a user would.
func (f *fixture) update(change func(*mlv1alpha1.TrainingJob)) {
	f.t.Helper()
	j := f.job()
	change(j)
	j.Generation++
	if _, err := f.ml.MlV1alpha1().TrainingJobs("ns").Update(f.ctx, j, metav1.UpdateOptions{}); err != nil {
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

// pod returns a stored pod.
func (f *fixture) pod(name string) *corev1.Pod {
	f.t.Helper()
	p, err := f.kube.CoreV1().Pods("ns").Get(f.ctx, name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

// setPod changes a stored pod's status, as a kubelet would: phase, ready,
// and an exit code for a pod that ended.
func (f *fixture) setPod(name string, phase corev1.PodPhase, ready bool, exitCode int32) {
	f.t.Helper()
	p := f.pod(name)
	p.Status.Phase = phase
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: status}}
	if phase == corev1.PodSucceeded || phase == corev1.PodFailed {
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{
			Name:  ContainerName,
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: exitCode, Reason: "Error"}},
		}}
	}
	if _, err := f.kube.CoreV1().Pods("ns").UpdateStatus(f.ctx, p, metav1.UpdateOptions{}); err != nil {
		f.t.Fatal(err)
	}
}

// statusWrites counts the status writes of the last sync.
func (f *fixture) statusWrites() int { return controllertest.StatusWrites(f.ml.Actions()) }

// events drains the recorded events, as "Type Reason Message".
func (f *fixture) events() []string { return controllertest.DrainEvents(f.recorder) }

// eventReasons drains the recorded events and returns their reasons.
func (f *fixture) eventReasons() []string { return controllertest.EventReasons(f.recorder) }

// writes returns the write actions of the last sync on both clientsets,
// in the order the controller made them: its steps are ordered.
func (f *fixture) writes() []string { return controllertest.Writes(f.kube.Actions(), f.ml.Actions()) }

// step moves the fake clock.
func (f *fixture) step(d time.Duration) { f.clock.Step(d) }
