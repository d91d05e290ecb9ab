package e2e

// TestAPIServerReplicas kills ml-apiserver replicas. It runs on a cluster
// of its own with two replicas unless the package's cluster has them and
// may be disrupted (the file name sorts last, with the other tests that
// kill processes).

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/test/e2e/framework"
)

// TestAPIServerReplicas runs CRUD, watch and log follow through
// kube-apiserver against two ml-apiserver replicas behind the APIService's
// Service while each is killed with SIGKILL and restarted:
//
//   - the aggregator spreads requests over both replicas;
//   - the replica that leads the controllers is killed after its endpoint
//     was marked not ready (as for a pod being deleted): no request fails;
//     the other replica takes the leader Lease over;
//   - the other replica is killed while still listed as ready (a crash):
//     only requests the aggregator routed to it before the endpoint was
//     marked not ready may fail, with its 503, and they are counted;
//   - the watcher (list, then a RetryWatcher from its resourceVersion) sees
//     every write the writers saw succeed, in resourceVersion order, or a
//     list made after it; its final view equals a fresh list;
//   - the log follower sees lines written after each kill;
//   - MLQuota stays exact: 20 concurrent creates, 10 sent to each replica
//     directly, against room for 7 admit exactly 7, the rest are refused
//     naming the quota, and the usage record holds 7 GPUs.
func TestAPIServerReplicas(t *testing.T) {
	c := cluster
	if c.Replicas() < 2 || c.LocalUpDir == "" || (!c.Owned && os.Getenv(framework.DisruptiveEnv) != "true") {
		c = framework.StartCluster(t, "ML_APISERVER_REPLICAS=2")
	}
	ctx := testContext(t, 5*time.Minute)
	kube := framework.Kube(t, c.Config())
	ml := framework.ML(t, c.Config())
	ns := c.Namespace(t)

	checkSpread(ctx, t, c, ns)
	leader := leaderReplica(ctx, t, c)
	holder := leaseHolder(ctx, t, kube)
	t.Logf("the controllers' leader is replica %d (%s, %s)", leader, framework.ReplicaName(leader), holder)

	// A running job whose log the follower reads.
	const job = "followed"
	logFile := ownPodLogFile(ctx, t, c, ns, podNames(job, 1)[0], criLines("started"))
	if _, err := ml.MlV1alpha1().TrainingJobs(ns).Create(ctx, mltesting.NewTrainingJob(job, ns).Obj(), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create TrainingJob %s: %v", job, err)
	}
	framework.WaitJobPods(ctx, t, kube, ns, job, jobTimeout, "running", framework.PodsRunning(podNames(job, 1)...))

	tr := newTraffic()
	observeCtx, stopObservers := context.WithCancel(ctx)
	writeCtx, stopWriters := context.WithCancel(observeCtx)
	var observers, writers sync.WaitGroup
	defer func() { stopObservers(); writers.Wait(); observers.Wait() }()
	start := func(wg *sync.WaitGroup, f func()) { wg.Add(1); go func() { defer wg.Done(); f() }() }
	start(&observers, func() { tr.watchPipelines(observeCtx, framework.ML(t, c.Config()), ns) })
	start(&observers, func() { tr.follow(observeCtx, framework.ML(t, c.Config()), ns, job) })
	for id := range 2 {
		start(&writers, func() { tr.write(writeCtx, framework.ML(t, c.Config()), ns, id) })
	}
	waitLine(ctx, t, tr, "started")
	time.Sleep(2 * time.Second)

	// The leader goes away the way a deleted pod does: out of the
	// endpoints first, then killed.
	// The aggregator's EndpointSlice informer sees the change within
	// milliseconds; requests in flight on the replica finish meanwhile.
	setEndpointReady(ctx, t, kube, leader, false)
	time.Sleep(2 * time.Second)
	killReplica(t, c, leader)
	time.Sleep(2 * time.Second)
	c.LocalUp(t, "start", framework.ReplicaName(leader))
	appendLine(t, logFile, "after the leader was killed")
	waitLine(ctx, t, tr, "after the leader was killed")
	// Whichever replica acquires the expired lease (the survivor, or the
	// killed one back as a new process) leads, alone.
	newLeader := leaderReplica(ctx, t, c)
	if h := leaseHolder(ctx, t, kube); h == holder {
		t.Errorf("the Lease is still held by %s, the killed process", h)
	} else {
		t.Logf("replica %d took the leader Lease over as %s", newLeader, h)
	}
	other := 3 - newLeader

	// A crash of the replica that does not lead: it is killed while still
	// listed as ready; then its endpoint is marked not ready, as a kubelet
	// and the EndpointSlice controller would on seeing it die.
	time.Sleep(2 * time.Second)
	tr.setCrashWindow(true)
	killReplica(t, c, other)
	setEndpointReady(ctx, t, kube, other, false)
	time.Sleep(3 * time.Second)
	tr.setCrashWindow(false)
	time.Sleep(time.Second)
	c.LocalUp(t, "start", framework.ReplicaName(other))
	appendLine(t, logFile, "after the crash")
	waitLine(ctx, t, tr, "after the crash")
	time.Sleep(2 * time.Second)
	stopWriters()
	writers.Wait()
	checkWatcher(ctx, t, tr, ml, ns)
	stopObservers()
	observers.Wait()
	t.Logf("%d requests; %d writes seen to succeed; %d watch events, %d lists; %d log follows; %d requests refused 503 by the aggregator in the crash window",
		tr.requests, len(tr.ops), len(tr.events), len(tr.relists), tr.reconnects+1, len(tr.windowErrs))
	for _, e := range tr.windowErrs {
		t.Logf("in the crash window: %s", e)
	}
	for _, f := range tr.failures {
		t.Errorf("failed request: %s", f)
	}

	checkQuotaAcrossReplicas(ctx, t, c, kube)

	// The controllers still act, under the new leader.
	if _, err := ml.MlV1alpha1().TrainingJobs(ns).Create(ctx, mltesting.NewTrainingJob("after", ns).Obj(), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create TrainingJob after: %v", err)
	}
	framework.WaitJobPods(ctx, t, kube, ns, "after", jobTimeout, "running", framework.PodsRunning(podNames("after", 1)...))
}

// checkSpread sends 20 lists through kube-apiserver and checks that both
// replicas served some.
func checkSpread(ctx context.Context, t *testing.T, c *framework.Cluster, ns string) {
	t.Helper()
	count := func(i int) float64 {
		m := framework.Get(ctx, t, c.ReplicaConfig(t, i), "/metrics")
		v, _ := framework.MetricValue(string(m.Body), "apiserver_request_total",
			map[string]string{"resource": "trainingjobs", "verb": "LIST", "scope": "namespace", "code": "200"})
		return v
	}
	before := []float64{count(1), count(2)}
	ml := framework.ML(t, c.Config())
	for range 20 {
		if _, err := ml.MlV1alpha1().TrainingJobs(ns).List(ctx, metav1.ListOptions{}); err != nil {
			t.Fatalf("list through kube-apiserver: %v", err)
		}
	}
	served := []float64{count(1) - before[0], count(2) - before[1]}
	t.Logf("of 20 lists through kube-apiserver, replica 1 served %v and replica 2 %v", served[0], served[1])
	if served[0] == 0 || served[1] == 0 || served[0]+served[1] != 20 {
		t.Errorf("20 lists through kube-apiserver: replica 1 served %v, replica 2 %v; want both some, 20 in all", served[0], served[1])
	}
}

// leaderReplica returns the one replica whose controllers lead.
func leaderReplica(ctx context.Context, t *testing.T, c *framework.Cluster) int {
	t.Helper()
	var leaders []int
	err := wait.PollUntilContextTimeout(ctx, pollInterval, longTimeout, true, func(ctx context.Context) (bool, error) {
		leaders = nil
		for i := 1; i <= 2; i++ {
			m, err := framework.TryGet(ctx, c.ReplicaConfig(t, i), "/metrics")
			if err != nil {
				return false, nil
			}
			if v, _ := framework.MetricValue(string(m.Body), "leader_election_master_status", map[string]string{"name": leaseName}); v == 1 {
				leaders = append(leaders, i)
			}
		}
		return len(leaders) == 1, nil
	})
	if err != nil {
		t.Fatalf("want exactly one replica leading the controllers, got %v", leaders)
	}
	return leaders[0]
}

// leaseHolder returns the holder of the controllers' leader Lease.
func leaseHolder(ctx context.Context, t *testing.T, kube kubernetes.Interface) string {
	t.Helper()
	lease, err := kube.CoordinationV1().Leases(leaseNamespace).Get(ctx, leaseName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("leader Lease: %v", err)
	}
	return ptr.Deref(lease.Spec.HolderIdentity, "")
}

// killReplica sends SIGKILL to replica i and waits until it is gone.
func killReplica(t *testing.T, c *framework.Cluster, i int) {
	t.Helper()
	pid := c.PID(t, framework.ReplicaName(i))
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill %s (pid %d): %v", framework.ReplicaName(i), pid, err)
	}
	if err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, shortTimeout, true, func(context.Context) (bool, error) {
		return !framework.Running(pid, framework.ReplicaName(i)), nil
	}); err != nil {
		t.Fatalf("%s (pid %d) still runs after SIGKILL", framework.ReplicaName(i), pid)
	}
	t.Logf("killed %s (pid %d)", framework.ReplicaName(i), pid)
}

// setEndpointReady sets the ready condition of replica i's endpoint in its
// EndpointSlice (named like the replica).
func setEndpointReady(ctx context.Context, t *testing.T, kube kubernetes.Interface, i int, ready bool) {
	t.Helper()
	patch := fmt.Sprintf(`[{"op":"replace","path":"/endpoints/0/conditions/ready","value":%t}]`, ready)
	if _, err := kube.DiscoveryV1().EndpointSlices("ml-system").Patch(ctx, framework.ReplicaName(i), types.JSONPatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatalf("mark the endpoint of %s ready=%t: %v", framework.ReplicaName(i), ready, err)
	}
}

// ownPodLogFile makes kwok of cluster c serve text as the log of pod's
// trainer container, following the file, and returns the file.
func ownPodLogFile(ctx context.Context, t *testing.T, c *framework.Cluster, ns, pod, text string) string {
	t.Helper()
	file := filepath.Join(c.LocalUpDir, "pod-logs", ns+"_"+pod+".log")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kwok.x-k8s.io/v1alpha1",
		"kind":       "Logs",
		"metadata":   map[string]any{"name": pod, "namespace": ns},
		"spec": map[string]any{"logs": []any{map[string]any{
			"containers": []any{"trainer"}, "logsFile": file, "follow": true,
		}}},
	}}
	if _, err := framework.Dynamic(t, c.Config()).Resource(kwokLogs).Namespace(ns).Create(ctx, obj, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create kwok Logs %s: %v", pod, err)
	}
	return file
}

func appendLine(t *testing.T, file, line string) {
	t.Helper()
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	if _, err := f.WriteString(criLines(line)); err != nil {
		t.Fatal(err)
	}
}

func waitLine(ctx context.Context, t *testing.T, tr *traffic, line string) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(ctx, pollInterval, shortTimeout, true, func(context.Context) (bool, error) {
		return tr.sawLine(line), nil
	}); err != nil {
		t.Fatalf("the log follower did not see %q", line)
	}
}
