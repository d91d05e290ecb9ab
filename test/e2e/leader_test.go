package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller"
	"ml.example.io/ml-apiserver/test/e2e/framework"
)

// The leader Lease of the bundled controllers (--controller-namespace).
const (
	leaseNamespace = "ml-system"
	leaseName      = controller.DefaultLeaseName
)

// trainingJobQueue is the workqueue name of the TrainingJob controller in
// the workqueue metrics.
var trainingJobQueue = map[string]string{"name": "trainingjob"}

// TestControllerEndpoint runs `ml-apiserver controller` beside the
// controllers inside ml-apiserver, which hold the lease: the new copy
// stands by, serves its health checks to anyone and its metrics to those
// kube-apiserver authorizes, and writes nothing while a job is handled by
// the leader.
func TestControllerEndpoint(t *testing.T) {
	ctx := testContext(t, longTimeout+longTimeout)
	kube := framework.Kube(t, cluster.Config())
	standby := cluster.StartController(t, "e2e-standby")
	standby.WaitReady(ctx, t, longTimeout)

	for _, path := range []string{"/healthz", "/livez", "/readyz"} {
		resp := framework.Get(ctx, t, standby.Config(nil), path)
		if resp.Code != http.StatusOK || strings.TrimSpace(string(resp.Body)) != "ok" {
			t.Errorf("anonymous GET %s = %d %q, want 200 ok", path, resp.Code, resp.Body)
		}
	}
	resp := framework.Get(ctx, t, standby.Config(nil), "/readyz?verbose")
	for _, check := range []string{"[+]leaderElection ok", "[+]controllers ok"} {
		if !strings.Contains(string(resp.Body), check) {
			t.Errorf("GET /readyz?verbose lacks %q:\n%s", check, resp.Body)
		}
	}
	if resp := framework.Get(ctx, t, standby.Config(nil), "/metrics"); resp.Code != http.StatusForbidden {
		t.Errorf("anonymous GET /metrics = %d, want 403", resp.Code)
	}

	lease, err := kube.CoordinationV1().Leases(leaseNamespace).Get(ctx, leaseName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("leader Lease: %v", err)
	}
	leader := ptr.Deref(lease.Spec.HolderIdentity, "")
	if leader == "" || leader == standby.Identity {
		t.Fatalf("Lease %s/%s is held by %q; want the copy inside ml-apiserver", leaseNamespace, leaseName, leader)
	}

	// A job handled while the new copy stands by: the leader writes it all.
	e := newTJEnv(t)
	job := e.create(ctx, t, mltesting.NewTrainingJob("led", e.ns).Replicas(2).Obj())
	e.waitRunning(ctx, t, "led", podNames("led", 2)...)
	checkEventsFrom(ctx, t, kube, job, leader)

	metrics := standbyMetrics(ctx, t, standby)
	if v, _ := framework.MetricValue(metrics, "leader_election_master_status", map[string]string{"name": leaseName}); v != 0 {
		t.Errorf("standby copy reports leader_election_master_status %v, want 0", v)
	}
	if v, ok := framework.MetricValue(metrics, "workqueue_adds_total", trainingJobQueue); ok && v != 0 {
		t.Errorf("standby copy queued %v TrainingJob syncs, want none", v)
	}
	if _, ok := framework.MetricValue(metrics, "rest_client_requests_total", nil); !ok {
		t.Errorf("GET /metrics has no client-go request metrics:\n%.2000s", metrics)
	}
}

// standbyMetrics reads /metrics of a controller copy as the cluster admin
// (system:masters, authorized without a SubjectAccessReview).
func standbyMetrics(ctx context.Context, t *testing.T, p *framework.ControllerProcess) string {
	t.Helper()
	resp := framework.Get(ctx, t, p.Config(cluster.Config()), "/metrics")
	if resp.Code != http.StatusOK {
		t.Fatalf("GET %s/metrics as admin = %d: %s", p.URL, resp.Code, resp.Body)
	}
	return string(resp.Body)
}

// checkEventsFrom checks that the job has events and that every one was
// written by the copy named identity (source.host, reportingInstance).
func checkEventsFrom(ctx context.Context, t *testing.T, kube kubernetes.Interface, job *mlv1alpha1.TrainingJob, identity string) {
	t.Helper()
	var events []corev1.Event
	err := wait.PollUntilContextTimeout(ctx, framework.PollInterval, shortTimeout, true, func(ctx context.Context) (bool, error) {
		events = framework.JobEvents(ctx, t, kube, job)
		return len(events) > 0, nil
	})
	if err != nil {
		t.Fatalf("no events about TrainingJob %s", job.Name)
	}
	for _, ev := range events {
		if ev.Source.Host != identity || ev.ReportingInstance != identity || ev.ReportingController != mlv1alpha1.ControllerName {
			t.Errorf("event %s %q from host %q instance %q controller %q; want all from the leader %q",
				ev.Reason, ev.Message, ev.Source.Host, ev.ReportingInstance, ev.ReportingController, identity)
		}
	}
}

// waitLeaseHolder polls the leader Lease until cond accepts its holder and
// returns the Lease.
func waitLeaseHolder(ctx context.Context, t *testing.T, kube kubernetes.Interface, timeout time.Duration, what string, cond func(holder string) bool) (holder string, acquired time.Time) {
	t.Helper()
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		lease, err := kube.CoordinationV1().Leases(leaseNamespace).Get(ctx, leaseName, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		holder = ptr.Deref(lease.Spec.HolderIdentity, "")
		if lease.Spec.AcquireTime != nil {
			acquired = lease.Spec.AcquireTime.Time
		}
		return cond(holder), nil
	})
	if err != nil {
		t.Fatalf("Lease %s/%s: %s: not within %v (holder %q)", leaseNamespace, leaseName, what, timeout, holder)
	}
	return holder, acquired
}
