package model

import (
	"context"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
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
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/controllertest"
	mlfake "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/fake"
	mlinformers "ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
	workloadkubernetes "ml.example.io/ml-apiserver/pkg/workload/kubernetes"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// modelWrapper builds a v1alpha1 Model with the defaults the API server
// sets.
type modelWrapper struct{ m mlv1alpha1.Model }

func makeModel(name string) *modelWrapper {
	return &modelWrapper{m: mlv1alpha1.Model{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID("uid-" + name), Generation: 1, ResourceVersion: "1"},
		Spec: mlv1alpha1.ModelSpec{
			Source:   mlv1alpha1.ModelSource{URI: "s3://models/mnist/1"},
			Format:   "onnx",
			Runtime:  mlv1alpha1.ModelRuntime{Image: "server:1", Port: 8080},
			Replicas: ptr.To[int32](1),
		},
	}}
}

func (w *modelWrapper) obj() *mlv1alpha1.Model { return w.m.DeepCopy() }

func (w *modelWrapper) replicas(n int32) *modelWrapper {
	w.m.Spec.Replicas = ptr.To(n)
	return w
}

func (w *modelWrapper) fromJob(name string) *modelWrapper {
	w.m.Spec.Source = mlv1alpha1.ModelSource{TrainingJobRef: &mlv1alpha1.LocalObjectReference{Name: name}}
	return w
}

func (w *modelWrapper) canary(uri string, percent int32) *modelWrapper {
	w.m.Spec.Canary = &mlv1alpha1.CanarySpec{Source: mlv1alpha1.ModelSource{URI: uri}, TrafficPercent: percent}
	return w
}

func job(name string, phase mlv1alpha1.TrainingJobPhase, outputURI string) *mlv1alpha1.TrainingJob {
	return &mlv1alpha1.TrainingJob{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID("uid-" + name)},
		Spec:       mlv1alpha1.TrainingJobSpec{OutputURI: outputURI},
		Status:     mlv1alpha1.TrainingJobStatus{Phase: phase},
	}
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
	recorder *record.FakeRecorder
	c        *Controller
}

func newFixture(t *testing.T, objs ...runtime.Object) *fixture {
	t.Helper()
	_, ctx := ktesting.NewTestContext(t)
	f := &fixture{t: t, ctx: ctx, kube: controllertest.NewKubeClientset(), ml: mlfake.NewClientset(objs...), recorder: record.NewFakeRecorder(100)}
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
		Models:           f.mlInf.Ml().V1alpha1().Models(),
		Jobs:             f.mlInf.Ml().V1alpha1().TrainingJobs(),
		Runtime:          rt,
		Recorder:         f.recorder,
		Clock:            testingclock.NewFakeClock(t0),
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
	controllertest.Observe(f.t, f.kubeInf.Apps().V1().Deployments().Informer(), f.kube.AppsV1().Deployments("").List)
	controllertest.Observe(f.t, f.kubeInf.Core().V1().Services().Informer(), f.kube.CoreV1().Services("").List)
	controllertest.Observe(f.t, f.mlInf.Ml().V1alpha1().Models().Informer(), f.ml.MlV1alpha1().Models("").List)
	controllertest.Observe(f.t, f.mlInf.Ml().V1alpha1().TrainingJobs().Informer(), f.ml.MlV1alpha1().TrainingJobs("").List)
}

// sync runs one sync of model a after the caches observed the clientsets.
func (f *fixture) sync() {
	f.t.Helper()
	f.observe()
	f.kube.ClearActions()
	f.ml.ClearActions()
	if err := f.c.sync(f.ctx, cache.ObjectName{Namespace: "ns", Name: "a"}); err != nil {
		f.t.Fatalf("sync: %v", err)
	}
}

// model returns the stored model a.
func (f *fixture) model() *mlv1alpha1.Model {
	f.t.Helper()
	m, err := f.ml.MlV1alpha1().Models("ns").Get(f.ctx, "a", metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return m
}

// update stores a change of model a's spec, as a user would.
func (f *fixture) update(change func(*mlv1alpha1.Model)) {
	f.t.Helper()
	m := f.model()
	change(m)
	m.Generation++
	if _, err := f.ml.MlV1alpha1().Models("ns").Update(f.ctx, m, metav1.UpdateOptions{}); err != nil {
		f.t.Fatal(err)
	}
}

// deployment returns a stored Deployment, or nil.
func (f *fixture) deployment(name string) *appsv1.Deployment {
	d, err := f.kube.AppsV1().Deployments("ns").Get(f.ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil
	}
	return d
}

// rollOut makes a stored Deployment's status what the deployment
// controller reports once all its replicas are available.
func (f *fixture) rollOut(name string) {
	f.t.Helper()
	d := f.deployment(name)
	n := ptr.Deref(d.Spec.Replicas, 1)
	d.Status = appsv1.DeploymentStatus{
		ObservedGeneration: d.Generation, Replicas: n, ReadyReplicas: n, AvailableReplicas: n, UpdatedReplicas: n,
		Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue}},
	}
	if _, err := f.kube.AppsV1().Deployments("ns").UpdateStatus(f.ctx, d, metav1.UpdateOptions{}); err != nil {
		f.t.Fatal(err)
	}
}

// writes returns the write actions of the last sync, sorted: the
// controller writes a model's children in no fixed order.
func (f *fixture) writes() []string {
	w := controllertest.Writes(f.kube.Actions(), f.ml.Actions())
	slices.Sort(w)
	return w
}

// eventReasons drains the recorded events and returns their reasons.
func (f *fixture) eventReasons() []string { return controllertest.EventReasons(f.recorder) }
