package controller

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2/ktesting"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlfake "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/fake"
	mlinformers "ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// fakeLocalRuntime records what the standalone manager asks of a local
// runtime; the controllers of these tests never run children.
type fakeLocalRuntime struct {
	workload.ServingRuntime
	recorder  atomic.Value // of record.EventRecorder
	mu        sync.Mutex
	forgotten []string
}

func (r *fakeLocalRuntime) ForgetOwner(_ context.Context, owner workload.Owner) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.forgotten = append(r.forgotten, owner.Kind.Kind+"/"+owner.Namespace+"/"+owner.Name)
}

func (r *fakeLocalRuntime) Forgotten() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.forgotten...)
}

func (r *fakeLocalRuntime) LogSource() workload.LogSource { return nil }

func (r *fakeLocalRuntime) SetEventRecorder(rec record.EventRecorder) { r.recorder.Store(rec) }

// TestStandaloneManager runs the standalone manager with leader election
// asked for and every controller enabled: it runs the controllers at once
// with no lease, skips those that need the core Kubernetes API, gives the
// runtime its event recorder, whose events are written to the events
// client and carry what `kubectl describe` matches on, and lets the runtime stop the children of a
// deleted object.
func TestStandaloneManager(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	ctx, cancel := context.WithCancel(ctx)
	ml := mlfake.NewClientset()
	kube := kubefake.NewClientset()
	rt := &fakeLocalRuntime{}
	config := Config{
		Controllers:    []string{"*"},
		LeaderElection: LeaderElectionConfig{Enabled: true, Namespace: "ml-system", Name: DefaultLeaseName},
	}
	m := NewStandaloneManager(config, ml, kube.CoreV1(), rt)
	var jobs, archivers countingCopy
	var informers atomic.Value // of the term the controllers were built for
	m.initializers = []initializer{
		{name: TrainingJobController, init: func(ctx context.Context, cc Context) (Controller, error) {
			// As a controller does: the informer runs from the start.
			cc.MLInformers.Ml().V1alpha1().TrainingJobs().Informer()
			informers.Store(cc.MLInformers)
			return jobs.init(ctx, cc)
		}},
		{name: LogArchiveController, init: archivers.init, needsKubeAPI: true},
	}
	if m.LeaderHealthCheck() != nil {
		t.Errorf("a leader health check in standalone mode")
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := m.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	defer func() { cancel(); <-done }()

	waitFor(t, "the controllers", 5*time.Second, func() bool { return jobs.running.Load() == 1 })
	if n := archivers.starts.Load(); n != 0 {
		t.Errorf("a controller that needs the core API was started %d times", n)
	}
	recorder, ok := rt.recorder.Load().(record.EventRecorder)
	if !ok {
		t.Fatalf("the runtime got no event recorder")
	}
	waitFor(t, "readiness", 5*time.Second, func() bool { return m.Leading() && m.CheckReady(nil) == nil })

	job := &mlv1alpha1.TrainingJob{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "ns", UID: "uid-a"}}
	if _, err := ml.MlV1alpha1().TrainingJobs("ns").Create(ctx, job, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	recorder.Event(job, corev1.EventTypeWarning, "FailedStart", "exec: \"pyhton3\": executable file not found in $PATH")
	waitFor(t, "the event in the events client", 5*time.Second, func() bool {
		events, err := kube.CoreV1().Events("ns").List(ctx, metav1.ListOptions{})
		if err != nil || len(events.Items) != 1 {
			return false
		}
		e := events.Items[0]
		return e.InvolvedObject.UID == "uid-a" && e.InvolvedObject.Kind == "TrainingJob" && e.Reason == "FailedStart" &&
			e.Source.Component == mlv1alpha1.ControllerName
	})
	// Delete only once the informer has the job, so that it hears of the
	// deletion.
	waitFor(t, "the job in the informer", 5*time.Second, func() bool {
		_, err := informers.Load().(mlinformers.SharedInformerFactory).Ml().V1alpha1().TrainingJobs().Lister().TrainingJobs("ns").Get("a")
		return err == nil
	})
	if err := ml.MlV1alpha1().TrainingJobs("ns").Delete(ctx, "a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the runtime to forget the deleted job", 5*time.Second, func() bool {
		f := rt.Forgotten()
		return len(f) == 1 && f[0] == "TrainingJob/ns/a"
	})
	cancel()
	<-done
	if jobs.running.Load() != 0 {
		t.Errorf("controllers still run after the manager returned")
	}
}

// countingCopy counts the controllers it built that run.
type countingCopy struct{ running, starts atomic.Int32 }

func (c *countingCopy) init(context.Context, Context) (Controller, error) {
	return countingController{running: &c.running, starts: &c.starts}, nil
}
