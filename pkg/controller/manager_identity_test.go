package controller

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/klog/v2/ktesting"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlfake "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/fake"
)

// eventingController emits one event through the recorder it was built
// with, then runs until stopped.
type eventingController struct{ cc Context }

func (c eventingController) Run(ctx context.Context, _ int) {
	job := &mlv1alpha1.TrainingJob{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "ns", UID: "uid-a"}}
	c.cc.Recorder.Event(job, corev1.EventTypeNormal, "Tested", "hello")
	<-ctx.Done()
}

// TestManagerIdentity checks that the events of the controllers name the
// copy that wrote them, that a running copy reports itself leading and
// ready, and that there is no leader health check without election.
func TestManagerIdentity(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	ctx, cancel := context.WithCancel(ctx)
	kube := kubefake.NewClientset()
	m := NewManager(Config{Controllers: []string{TrainingJobController}, LeaderElection: LeaderElectionConfig{Identity: "copy-x"}}, kube, mlfake.NewClientset())
	m.initializers = []initializer{{
		name: TrainingJobController,
		init: func(_ context.Context, cc Context) (Controller, error) { return eventingController{cc: cc}, nil },
	}}
	if m.Identity() != "copy-x" {
		t.Errorf("Identity() = %q, want copy-x", m.Identity())
	}
	if m.LeaderHealthCheck() != nil {
		t.Errorf("a leader health check without leader election")
	}
	if m.Leading() {
		t.Errorf("leading before Run")
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = m.Run(ctx)
	}()
	defer func() { cancel(); <-done }()

	waitFor(t, "the event", 5*time.Second, func() bool {
		list, err := kube.CoreV1().Events("ns").List(ctx, metav1.ListOptions{})
		if err != nil || len(list.Items) == 0 {
			return false
		}
		e := list.Items[0]
		if e.Source.Host != "copy-x" || e.ReportingInstance != "copy-x" || e.ReportingController != mlv1alpha1.ControllerName {
			t.Fatalf("event source %+v reportingInstance %q reportingController %q, want copy-x from %s",
				e.Source, e.ReportingInstance, e.ReportingController, mlv1alpha1.ControllerName)
		}
		return true
	})
	waitFor(t, "readiness", 5*time.Second, func() bool { return m.Leading() && m.CheckReady(nil) == nil })
	cancel()
	<-done
	if m.Leading() {
		t.Errorf("still leading after Run returned")
	}
}

// TestLeaderHealthCheck checks that with leader election the health check
// is the lease watchdog, which passes while not leading.
func TestLeaderHealthCheck(t *testing.T) {
	m := NewManager(Config{LeaderElection: LeaderElectionConfig{Enabled: true}}, kubefake.NewClientset(), mlfake.NewClientset())
	check := m.LeaderHealthCheck()
	if check == nil {
		t.Fatal("no leader health check with leader election")
	}
	if err := check.Check(nil); err != nil {
		t.Errorf("health check of a copy that never led: %v", err)
	}
	if !m.Leading() && m.CheckReady(nil) != nil {
		t.Errorf("a standing-by copy is not ready")
	}
	if m.Identity() == "" {
		t.Errorf("no generated identity")
	}
}
