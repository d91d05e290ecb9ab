package model

import (
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	testingclock "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/controllertest"
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

// fixture is the controller over the fakes of controllertest.Fixture.
type fixture struct {
	*controllertest.Fixture
	c *Controller
}

// newFixture returns a fixture whose ml clientset holds objs: models and
// the training jobs they name.
func newFixture(t *testing.T, objs ...runtime.Object) *fixture {
	t.Helper()
	f := &fixture{Fixture: controllertest.NewFixture(t, objs...)}
	c, err := New(Config{
		Client:           f.ML,
		Models:           f.MLInformers.Ml().V1alpha1().Models(),
		Jobs:             f.MLInformers.Ml().V1alpha1().TrainingJobs(),
		Runs:             f.MLInformers.Ml().V1alpha1().PipelineRuns(),
		Pull:             PullConfig{HelperImage: "ml-apiserver:test"},
		Runtime:          f.ServingRuntime(),
		Recorder:         f.Recorder,
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

// sync runs one sync of model a after the caches observed the clientsets.
func (f *fixture) sync() {
	f.T.Helper()
	f.MustSync(f.c.sync, "ns", "a")
}

// model returns the stored model a.
func (f *fixture) model() *mlv1alpha1.Model {
	f.T.Helper()
	return controllertest.Get(f.T, f.ML.MlV1alpha1().Models("ns"), "a")
}

// update stores a change of model a's spec, as a user would.
func (f *fixture) update(change func(*mlv1alpha1.Model)) {
	f.T.Helper()
	controllertest.UpdateSpec(f.T, f.ML.MlV1alpha1().Models("ns"), "a", change)
}

// deployment returns a stored Deployment, or nil.
func (f *fixture) deployment(name string) *appsv1.Deployment {
	d, err := f.Kube.AppsV1().Deployments("ns").Get(f.Ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil
	}
	return d
}

// rollOut makes a stored Deployment's status what the deployment
// controller reports once all its replicas are available.
func (f *fixture) rollOut(name string) {
	f.T.Helper()
	d := f.deployment(name)
	n := ptr.Deref(d.Spec.Replicas, 1)
	d.Status = appsv1.DeploymentStatus{
		ObservedGeneration: d.Generation, Replicas: n, ReadyReplicas: n, AvailableReplicas: n, UpdatedReplicas: n,
		Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue}},
	}
	if _, err := f.Kube.AppsV1().Deployments("ns").UpdateStatus(f.Ctx, d, metav1.UpdateOptions{}); err != nil {
		f.T.Fatal(err)
	}
}

// writes returns the write actions of the last sync, sorted: the
// controller writes a model's children in no fixed order.
func (f *fixture) writes() []string {
	return slices.Sorted(slices.Values(controllertest.Writes(f.Kube.Actions(), f.ML.Actions())))
}

// eventReasons drains the recorded events and returns their reasons.
func (f *fixture) eventReasons() []string { return controllertest.EventReasons(f.Recorder) }
