package e2e

// The leader election test restarts ml-apiserver, so that the copy of the
// controllers inside it gives up the lease; the file name sorts after
// zz_disruption_test.go so that it runs last.

import (
	"slices"
	"testing"
	"time"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/test/e2e/framework"
)

// Short leader election durations of the two copies, so that a handover
// takes seconds.
const (
	testLeaseDuration = 4 * time.Second
	testRenewDeadline = 3 * time.Second
	testRetryPeriod   = 500 * time.Millisecond
)

// TestControllerLeaderHandover runs two `ml-apiserver controller` copies
// beside the one in ml-apiserver. Restarting ml-apiserver makes its copy
// give the lease back; one of the two takes it, and only that one acts:
// it holds the Lease, reports itself leader in its metrics, its workqueue
// is the one that syncs the job, and the job's events name it. Killing it
// (SIGKILL: no release) hands the lease to another copy within the lease
// duration, which then runs the jobs. Stopping the copies gives the lease
// back to ml-apiserver.
func TestControllerLeaderHandover(t *testing.T) {
	cluster.Disruptive(t)
	ctx := testContext(t, 4*longTimeout)
	e := newTJEnv(t)
	// Only the TrainingJob controller: the test is about who acts, and
	// every copy must stop promptly on SIGTERM.
	durations := []string{
		"--controllers", "trainingjob",
		"--leader-elect-lease-duration", testLeaseDuration.String(),
		"--leader-elect-renew-deadline", testRenewDeadline.String(),
		"--leader-elect-retry-period", testRetryPeriod.String(),
	}
	copies := []*framework.ControllerProcess{
		cluster.StartController(t, "e2e-copy-a", durations...),
		cluster.StartController(t, "e2e-copy-b", durations...),
	}
	ids := []string{copies[0].Identity, copies[1].Identity}
	for _, c := range copies {
		c.WaitReady(ctx, t, longTimeout)
	}

	// ml-apiserver's copy releases the lease when it shuts down.
	cluster.LocalUp(t, "restart", "ml-apiserver")
	leader, _ := waitLeaseHolder(ctx, t, e.kube, longTimeout, "held by a test copy", func(h string) bool { return slices.Contains(ids, h) })
	waitAPIServiceAvailable(ctx, t)
	lead, standby := copies[0], copies[1]
	if leader == copies[1].Identity {
		lead, standby = copies[1], copies[0]
	}
	t.Logf("leader: %s", leader)

	job := e.create(ctx, t, mltesting.NewTrainingJob("first", e.ns).Replicas(2).Obj())
	e.waitRunning(ctx, t, "first", podNames("first", 2)...)
	checkEventsFrom(ctx, t, e.kube, job, lead.Identity)
	leadMetrics, standbyMetricsText := standbyMetrics(ctx, t, lead), standbyMetrics(ctx, t, standby)
	if v, _ := framework.MetricValue(leadMetrics, "leader_election_master_status", map[string]string{"name": leaseName}); v != 1 {
		t.Errorf("leader reports leader_election_master_status %v, want 1", v)
	}
	if v, _ := framework.MetricValue(standbyMetricsText, "leader_election_master_status", map[string]string{"name": leaseName}); v != 0 {
		t.Errorf("standby reports leader_election_master_status %v, want 0", v)
	}
	if v, _ := framework.MetricValue(leadMetrics, "workqueue_adds_total", trainingJobQueue); v < 1 {
		t.Errorf("leader's TrainingJob workqueue: %v adds, want some", v)
	}
	if v, ok := framework.MetricValue(standbyMetricsText, "workqueue_adds_total", trainingJobQueue); ok && v != 0 {
		t.Errorf("standby's TrainingJob workqueue: %v adds, want none", v)
	}

	// A crash: the lease is not released, and is taken over once it
	// expires.
	lead.Kill()
	killed := time.Now()
	holder, acquired := waitLeaseHolder(ctx, t, e.kube, 4*testLeaseDuration, "taken over after the leader was killed",
		func(h string) bool { return h != "" && h != lead.Identity })
	handover := acquired.Sub(killed)
	t.Logf("lease taken over by %s %v after the leader was killed (lease duration %v)", holder, handover.Round(10*time.Millisecond), testLeaseDuration)
	// The new holder acquires once the last renewal is a lease duration
	// old; it looks every retry period.
	if limit := testLeaseDuration + 2*testRetryPeriod + time.Second; handover > limit {
		t.Errorf("handover took %v, more than the lease duration (%v) and two retry periods", handover, testLeaseDuration)
	}

	second := e.create(ctx, t, mltesting.NewTrainingJob("second", e.ns).Replicas(1).Obj())
	e.waitRunning(ctx, t, "second", podNames("second", 1)...)
	checkEventsFrom(ctx, t, e.kube, second, holder)
	if holder == standby.Identity {
		m := standbyMetrics(ctx, t, standby)
		if v, _ := framework.MetricValue(m, "leader_election_master_status", map[string]string{"name": leaseName}); v != 1 {
			t.Errorf("new leader reports leader_election_master_status %v, want 1", v)
		}
	}

	// Stopping the remaining copy hands the lease back to ml-apiserver.
	standby.Stop(t)
	waitLeaseHolder(ctx, t, e.kube, longTimeout, "back with ml-apiserver", func(h string) bool {
		return h != "" && !slices.Contains(ids, h)
	})
	e.create(ctx, t, mltesting.NewTrainingJob("third", e.ns).Replicas(1).Obj())
	e.waitRunning(ctx, t, "third", podNames("third", 1)...)
	if t.Failed() {
		t.Logf("copy logs: %s, %s", copies[0].Log, copies[1].Log)
	}
}
