package controller

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/klog/v2/ktesting"

	mlfake "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/fake"
)

// countingController counts how many of it run.
type countingController struct{ running, starts *atomic.Int32 }

func (c countingController) Run(ctx context.Context, _ int) {
	c.starts.Add(1)
	c.running.Add(1)
	defer c.running.Add(-1)
	<-ctx.Done()
}

// copyOf is one running copy of the controllers.
type copyOf struct {
	running, starts atomic.Int32
	cancel          context.CancelFunc
	done            chan struct{}
}

func startCopy(t *testing.T, i int, config Config, kube *kubefake.Clientset, ml *mlfake.Clientset) *copyOf {
	_, ctx := ktesting.NewTestContext(t)
	ctx, cancel := context.WithCancel(ctx)
	c := &copyOf{cancel: cancel, done: make(chan struct{})}
	config.LeaderElection.Identity = fmt.Sprintf("copy-%d", i)
	m := NewManager(config, kube, ml)
	m.initializers = []initializer{{
		name: TrainingJobController,
		init: func(context.Context, Context) (Controller, error) {
			return countingController{running: &c.running, starts: &c.starts}, nil
		},
	}}
	go func() {
		defer close(c.done)
		if err := m.Run(ctx); err != nil {
			t.Errorf("copy %d: %v", i, err)
		}
	}()
	t.Cleanup(func() { cancel(); <-c.done })
	return c
}

// TestLeaderElection runs two copies on one Lease: exactly one runs the
// controllers; when it stops, the other takes over within the lease time.
func TestLeaderElection(t *testing.T) {
	kube, ml := kubefake.NewClientset(), mlfake.NewClientset()
	config := Config{
		Controllers: []string{"*"},
		Workers:     1,
		LeaderElection: LeaderElectionConfig{
			Enabled: true, Namespace: "ml-system", Name: DefaultLeaseName,
			// Short, but with room for a loaded machine: a leader starved of
			// CPU past its renew deadline loses the lease, which is right,
			// and this test is about two healthy copies.
			LeaseDuration: 4 * time.Second, RenewDeadline: 2 * time.Second, RetryPeriod: 200 * time.Millisecond,
		},
	}
	copies := []*copyOf{startCopy(t, 0, config, kube, ml), startCopy(t, 1, config, kube, ml)}
	running := func() int32 { return copies[0].running.Load() + copies[1].running.Load() }

	waitFor(t, "a leader", 5*time.Second, func() bool { return running() == 1 })
	// For several lease durations, never both.
	for end := time.Now().Add(2500 * time.Millisecond); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if n := running(); n != 1 {
			t.Fatalf("%d copies run the controllers", n)
		}
	}
	leader, follower := copies[0], copies[1]
	if follower.running.Load() == 1 {
		leader, follower = follower, leader
	}
	lease, err := kube.CoordinationV1().Leases("ml-system").Get(context.Background(), DefaultLeaseName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if h := *lease.Spec.HolderIdentity; h != fmt.Sprintf("copy-%d", map[*copyOf]int{copies[0]: 0, copies[1]: 1}[leader]) {
		t.Errorf("lease held by %q, not by the copy that runs", h)
	}

	handover := time.Now()
	leader.cancel()
	<-leader.done
	if leader.running.Load() != 0 {
		t.Errorf("the stopped leader still runs its controllers")
	}
	waitFor(t, "the follower to take over", config.LeaderElection.LeaseDuration+2*time.Second, func() bool { return follower.running.Load() == 1 })
	t.Logf("handed over in %v", time.Since(handover))
	if leader.starts.Load() != 1 || follower.starts.Load() != 1 {
		t.Errorf("starts: leader %d, follower %d; want 1 each", leader.starts.Load(), follower.starts.Load())
	}
}

// TestWithoutLeaderElection runs the controllers at once.
func TestWithoutLeaderElection(t *testing.T) {
	c := startCopy(t, 0, Config{Controllers: []string{"trainingjob"}}, kubefake.NewClientset(), mlfake.NewClientset())
	waitFor(t, "the controllers", 5*time.Second, func() bool { return c.running.Load() == 1 })
	c.cancel()
	<-c.done
	if c.running.Load() != 0 {
		t.Errorf("controllers still run after the manager returned")
	}
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(timeout); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out after %v waiting for %s", timeout, what)
}
