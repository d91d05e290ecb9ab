package pipelinerun

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	testingclock "k8s.io/utils/clock/testing"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/controllertest"
)

var t0 = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

// fixture is the controller over the fakes of controllertest.Fixture,
// with a fake clock.
type fixture struct {
	*controllertest.Fixture
	clock *testingclock.FakeClock
	c     *Controller
	// instances are the forEach instances the controller wrote.
	instances *memInstances
}

func newFixture(t *testing.T, runs ...*mlv1alpha1.PipelineRun) *fixture {
	t.Helper()
	return newFixtureWith(t, nil, runs...)
}

// newFixtureWith is newFixture with the controller's configuration
// changed by configure.
func newFixtureWith(t *testing.T, configure func(*Config), runs ...*mlv1alpha1.PipelineRun) *fixture {
	t.Helper()
	f := &fixture{Fixture: controllertest.NewFixture(t, runs...), clock: testingclock.NewFakeClock(t0), instances: &memInstances{}}
	config := Config{
		Client:           f.ML,
		Runs:             f.MLInformers.Ml().V1alpha1().PipelineRuns(),
		Runtime:          f.Runtime(),
		Recorder:         f.Recorder,
		Clock:            f.clock,
		ChildBatchPeriod: -1,
		FieldManager:     mlv1alpha1.ControllerName,
		Instances:        f.instances,
	}
	if configure != nil {
		configure(&config)
	}
	c, err := New(config)
	if err != nil {
		t.Fatal(err)
	}
	f.c = c
	t.Cleanup(c.queue.ShutDown)
	f.Observe()
	return f
}

// sync runs one sync of run name after the caches observed the clientsets.
func (f *fixture) sync(name string) error {
	f.T.Helper()
	return f.Sync(f.c.sync, "ns", name)
}

func (f *fixture) mustSync(name string) {
	f.T.Helper()
	f.MustSync(f.c.sync, "ns", name)
}

// run returns the stored run, or nil when it is gone.
func (f *fixture) run(name string) *mlv1alpha1.PipelineRun {
	f.T.Helper()
	r, err := f.ML.MlV1alpha1().PipelineRuns("ns").Get(f.Ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil
	}
	return r
}

// create stores a run, as the API server would after admission.
func (f *fixture) create(run *mlv1alpha1.PipelineRun) {
	f.T.Helper()
	if err := f.ML.Tracker().Add(run); err != nil {
		f.T.Fatal(err)
	}
}

// podNames are the names of the stored pods, sorted.
func (f *fixture) podNames() []string { return f.PodNames("ns") }

// pod returns a stored pod.
func (f *fixture) pod(name string) *corev1.Pod { return f.Pod("ns", name) }

// endPod ends a stored pod as a kubelet would, with an exit code and a
// termination message.
func (f *fixture) endPod(name string, exitCode int32, message string) {
	f.T.Helper()
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
	if _, err := f.Kube.CoreV1().Pods("ns").UpdateStatus(f.Ctx, p, metav1.UpdateOptions{}); err != nil {
		f.T.Fatal(err)
	}
}

// events drains the recorded events, as "Type Reason Message".
func (f *fixture) events() []string { return controllertest.DrainEvents(f.Recorder) }

// eventReasons drains the recorded events and returns their reasons.
func (f *fixture) eventReasons() []string { return controllertest.EventReasons(f.Recorder) }

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
		// The server serves the snapshot from the pipeline subresource; the
		// controller plans from one the run carries as it does from one
		// read there (see TestSyncReadsSnapshotSubresource).
		Status: mlv1alpha1.PipelineRunStatus{
			Pipeline:     &mlv1alpha1.PipelineSnapshotRef{Name: "p", Tasks: int32(len(v.Tasks) + len(v.Finally))},
			PipelineSpec: &v, Params: params,
		},
	}
}
