package controllertest

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2/ktesting"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlfake "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/fake"
	mlinformers "ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
	workloadkubernetes "ml.example.io/ml-apiserver/pkg/workload/kubernetes"
)

// Fixture is what every controller's test fixture holds: fake clientsets,
// informer factories over them that are never started (the fixture fills
// their caches with Observe, so that each test decides when a controller
// sees a change), and a fake event recorder. A controller's fixture
// embeds it and adds the controller and its own helpers.
type Fixture struct {
	T   *testing.T
	Ctx context.Context
	// Kube holds the children; its creates assign UIDs (NewKubeClientset).
	Kube          *kubefake.Clientset
	ML            *mlfake.Clientset
	KubeInformers informers.SharedInformerFactory
	MLInformers   mlinformers.SharedInformerFactory
	Recorder      *record.FakeRecorder
}

// recordedEvents is how many events the recorder buffers: a FakeRecorder
// blocks the controller once its buffer is full.
const recordedEvents = 1000

// NewFixture returns a Fixture whose ml clientset holds objs and whose
// kube clientset is empty, with a context that logs through t.
func NewFixture[O runtime.Object](t *testing.T, objs ...O) *Fixture {
	t.Helper()
	_, ctx := ktesting.NewTestContext(t)
	stored := make([]runtime.Object, 0, len(objs))
	for _, o := range objs {
		stored = append(stored, o)
	}
	f := &Fixture{T: t, Ctx: ctx, Kube: NewKubeClientset(), ML: mlfake.NewClientset(stored...), Recorder: record.NewFakeRecorder(recordedEvents)}
	f.KubeInformers = informers.NewSharedInformerFactory(f.Kube, 0)
	f.MLInformers = mlinformers.NewSharedInformerFactory(f.ML, 0)
	return f
}

// Runtime returns the Kubernetes workload runtime over the fake kube
// clientset with pods and Services, as batch workloads (training jobs,
// pipeline runs) use it.
func (f *Fixture) Runtime() *workloadkubernetes.Runtime {
	return workloadkubernetes.New(f.runtimeConfig())
}

// ServingRuntime returns the Kubernetes workload runtime with, besides
// pods and Services, the Deployments, StatefulSets and
// PersistentVolumeClaims that servers (models, notebooks) run on.
func (f *Fixture) ServingRuntime() *workloadkubernetes.Runtime {
	c := f.runtimeConfig()
	c.Deployments = f.KubeInformers.Apps().V1().Deployments()
	c.StatefulSets = f.KubeInformers.Apps().V1().StatefulSets()
	c.Volumes = f.KubeInformers.Core().V1().PersistentVolumeClaims()
	return workloadkubernetes.New(c)
}

// runtimeConfig is the configuration the controller manager gives the
// runtime, over the fake clientset: the controller's field manager and
// managed-by label.
func (f *Fixture) runtimeConfig() workloadkubernetes.Config {
	return workloadkubernetes.Config{
		Client:       f.Kube,
		Pods:         f.KubeInformers.Core().V1().Pods(),
		Services:     f.KubeInformers.Core().V1().Services(),
		FieldManager: mlv1alpha1.ControllerName,
		Labels:       map[string]string{mlv1alpha1.ManagedByLabel: mlv1alpha1.ControllerName},
	}
}

// Observe fills the cache of every kind the controllers read with what
// the clientsets hold, as started informers would have by now. Caches of
// kinds a controller does not read stay unread; those of kinds nobody
// creates stay empty.
func (f *Fixture) Observe() {
	f.T.Helper()
	kube, ml := f.KubeInformers, f.MLInformers
	Observe(f.T, kube.Core().V1().Pods().Informer(), f.Kube.CoreV1().Pods("").List)
	Observe(f.T, kube.Core().V1().Services().Informer(), f.Kube.CoreV1().Services("").List)
	Observe(f.T, kube.Core().V1().PersistentVolumeClaims().Informer(), f.Kube.CoreV1().PersistentVolumeClaims("").List)
	Observe(f.T, kube.Apps().V1().Deployments().Informer(), f.Kube.AppsV1().Deployments("").List)
	Observe(f.T, kube.Apps().V1().StatefulSets().Informer(), f.Kube.AppsV1().StatefulSets("").List)
	Observe(f.T, ml.Ml().V1alpha1().TrainingJobs().Informer(), f.ML.MlV1alpha1().TrainingJobs("").List)
	Observe(f.T, ml.Ml().V1alpha1().Models().Informer(), f.ML.MlV1alpha1().Models("").List)
	Observe(f.T, ml.Ml().V1alpha1().Notebooks().Informer(), f.ML.MlV1alpha1().Notebooks("").List)
	Observe(f.T, ml.Ml().V1alpha1().Pipelines().Informer(), f.ML.MlV1alpha1().Pipelines("").List)
	Observe(f.T, ml.Ml().V1alpha1().PipelineRuns().Informer(), f.ML.MlV1alpha1().PipelineRuns("").List)
	Observe(f.T, ml.Ml().V1alpha1().RecurringRuns().Informer(), f.ML.MlV1alpha1().RecurringRuns("").List)
}

// ClearActions forgets the actions of both clientsets, so that what a
// test reads afterwards is what the next sync did.
func (f *Fixture) ClearActions() {
	f.Kube.ClearActions()
	f.ML.ClearActions()
}

// Sync runs sync, a controller's sync of one object, for
// namespace/name, after the caches observed the clientsets and with the
// actions of earlier syncs forgotten: what Writes reads afterwards is
// what this sync did.
func (f *Fixture) Sync(sync func(context.Context, cache.ObjectName) error, namespace, name string) error {
	f.T.Helper()
	f.Observe()
	f.ClearActions()
	return sync(f.Ctx, cache.ObjectName{Namespace: namespace, Name: name})
}

// MustSync is Sync that must succeed.
func (f *Fixture) MustSync(sync func(context.Context, cache.ObjectName) error, namespace, name string) {
	f.T.Helper()
	if err := f.Sync(sync, namespace, name); err != nil {
		f.T.Fatalf("sync %s/%s: %v", namespace, name, err)
	}
}

// Pod returns the stored pod namespace/name; the test fails without it.
func (f *Fixture) Pod(namespace, name string) *corev1.Pod {
	f.T.Helper()
	return Get(f.T, f.Kube.CoreV1().Pods(namespace), name)
}

// PodNames returns the names of the pods stored in namespace, sorted.
func (f *Fixture) PodNames(namespace string) []string {
	f.T.Helper()
	pods, err := f.Kube.CoreV1().Pods(namespace).List(f.Ctx, metav1.ListOptions{})
	if err != nil {
		f.T.Fatal(err)
	}
	var names []string
	for _, p := range pods.Items {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	return names
}
