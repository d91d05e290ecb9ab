package trainingjob

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	testingclock "k8s.io/utils/clock/testing"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/controllertest"
)

// fixture is the controller over the fakes of controllertest.Fixture,
// with a fake clock.
type fixture struct {
	*controllertest.Fixture
	clock *testingclock.FakeClock
	c     *Controller
}

func newFixture(t *testing.T, jobs ...*mlv1alpha1.TrainingJob) *fixture {
	t.Helper()
	f := &fixture{Fixture: controllertest.NewFixture(t, jobs...), clock: testingclock.NewFakeClock(t0)}
	c, err := New(Config{
		Client:           f.ML,
		Jobs:             f.MLInformers.Ml().V1alpha1().TrainingJobs(),
		Runtime:          f.Runtime(),
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
	f.Observe()
	return f
}

// sync runs one sync of job a, after the caches observed the clientsets.
func (f *fixture) sync() error {
	f.T.Helper()
	return f.Sync(f.c.sync, "ns", "a")
}

// mustSync is sync that must succeed.
func (f *fixture) mustSync() {
	f.T.Helper()
	f.MustSync(f.c.sync, "ns", "a")
}

// job returns the stored job a, or nil when it is gone.
func (f *fixture) job() *mlv1alpha1.TrainingJob {
	f.T.Helper()
	j, err := f.ML.MlV1alpha1().TrainingJobs("ns").Get(f.Ctx, "a", metav1.GetOptions{})
	if err != nil {
		return nil
	}
	return j
}

// update stores a change of job a's spec, as a user would.
func (f *fixture) update(change func(*mlv1alpha1.TrainingJob)) {
	f.T.Helper()
	controllertest.UpdateSpec(f.T, f.ML.MlV1alpha1().TrainingJobs("ns"), "a", change)
}

// podNames are the names of the stored pods, sorted.
func (f *fixture) podNames() []string { return f.PodNames("ns") }

// pod returns a stored pod.
func (f *fixture) pod(name string) *corev1.Pod { return f.Pod("ns", name) }

// setPod changes a stored pod's status, as a kubelet would: phase, ready,
// and an exit code for a pod that ended.
func (f *fixture) setPod(name string, phase corev1.PodPhase, ready bool, exitCode int32) {
	f.T.Helper()
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
	if _, err := f.Kube.CoreV1().Pods("ns").UpdateStatus(f.Ctx, p, metav1.UpdateOptions{}); err != nil {
		f.T.Fatal(err)
	}
}

// statusWrites counts the status writes of the last sync.
func (f *fixture) statusWrites() int { return controllertest.StatusWrites(f.ML.Actions()) }

// events drains the recorded events, as "Type Reason Message".
func (f *fixture) events() []string { return controllertest.DrainEvents(f.Recorder) }

// eventReasons drains the recorded events and returns their reasons.
func (f *fixture) eventReasons() []string { return controllertest.EventReasons(f.Recorder) }

// writes returns the write actions of the last sync on both clientsets,
// in the order the controller made them: its steps are ordered.
func (f *fixture) writes() []string { return controllertest.Writes(f.Kube.Actions(), f.ML.Actions()) }

// step moves the fake clock.
func (f *fixture) step(d time.Duration) { f.clock.Step(d) }
