package controller

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	kubefake "k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/klog/v2/ktesting"

	mlfake "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/fake"
	"ml.example.io/ml-apiserver/pkg/storage/logstore"
	"ml.example.io/ml-apiserver/pkg/storage/metricstore"
)

// reconcilers are the controllers that reconcile what the API servers keep
// beside the objects; they used to run in every API server.
var reconcilers = []string{LatestMetricsController, LogArchiveSweepController, QuotaUsageController}

// countingMetrics is a metric store that counts the watches of appends.
type countingMetrics struct {
	metricstore.MetricStore
	watches atomic.Int32
}

func (s *countingMetrics) WatchAppends(ctx context.Context, _ func(metricstore.Owner)) error {
	s.watches.Add(1)
	<-ctx.Done()
	return ctx.Err()
}

// countingLogs is a log archive that counts the sweeps (listings of
// owners).
type countingLogs struct {
	logstore.LogStore
	sweeps atomic.Int32
}

func (s *countingLogs) Owners(context.Context) ([]logstore.Owner, error) {
	s.sweeps.Add(1)
	return nil, nil
}

// reconcilerCopy is a copy of the manager, with a kube client of its own
// that shares only the Lease with the other copies.
type reconcilerCopy struct {
	metrics countingMetrics
	logs    countingLogs
	kube    *kubefake.Clientset
	cancel  context.CancelFunc
	done    chan struct{}
}

// quotaRounds counts the quota reconciler's listings of usage records.
func (c *reconcilerCopy) quotaRounds() int {
	n := 0
	for _, a := range c.kube.Actions() {
		if a.GetVerb() == "list" && a.GetResource().Resource == "configmaps" {
			n++
		}
	}
	return n
}

// acting says which of the reconcilers of c have acted.
func (c *reconcilerCopy) acting() []string {
	var out []string
	if c.metrics.watches.Load() > 0 {
		out = append(out, LatestMetricsController)
	}
	if c.logs.sweeps.Load() > 0 {
		out = append(out, LogArchiveSweepController)
	}
	if c.quotaRounds() > 0 {
		out = append(out, QuotaUsageController)
	}
	return out
}

func startReconcilerCopy(t *testing.T, i int, config Config, leases *kubefake.Clientset) *reconcilerCopy {
	_, ctx := ktesting.NewTestContext(t)
	ctx, cancel := context.WithCancel(ctx)
	c := &reconcilerCopy{cancel: cancel, done: make(chan struct{}), kube: kubefake.NewClientset()}
	if leases != nil {
		c.kube.PrependReactor("*", "leases", clienttesting.ObjectReaction(leases.Tracker()))
	}
	config.LeaderElection.Identity = fmt.Sprintf("copy-%d", i)
	config.Data = DataStores{Metrics: &c.metrics, Logs: &c.logs}
	m := NewManager(config, c.kube, mlfake.NewClientset())
	go func() {
		defer close(c.done)
		if err := m.Run(ctx); err != nil {
			t.Errorf("copy %d: %v", i, err)
		}
	}()
	t.Cleanup(func() { cancel(); <-c.done })
	return c
}

// TestReconcilersRunUnderTheLease: of two copies on one Lease, only the
// leader writes status.latestMetrics, sweeps the log archive and
// reconciles the quota usage records; the other starts them when it takes
// over.
func TestReconcilersRunUnderTheLease(t *testing.T) {
	leases := kubefake.NewClientset()
	config := Config{
		Controllers: reconcilers,
		Workers:     1,
		LeaderElection: LeaderElectionConfig{
			Enabled: true, Namespace: "ml-system", Name: DefaultLeaseName,
			LeaseDuration: 4 * time.Second, RenewDeadline: 2 * time.Second, RetryPeriod: 200 * time.Millisecond,
		},
	}
	copies := []*reconcilerCopy{startReconcilerCopy(t, 0, config, leases), startReconcilerCopy(t, 1, config, leases)}
	waitFor(t, "a leader's reconcilers", 30*time.Second, func() bool {
		return len(copies[0].acting()) == len(reconcilers) || len(copies[1].acting()) == len(reconcilers)
	})
	leader, follower := copies[0], copies[1]
	if len(follower.acting()) == len(reconcilers) {
		leader, follower = follower, leader
	}
	// For a while, the follower does nothing.
	for end := time.Now().Add(1500 * time.Millisecond); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if got := follower.acting(); len(got) != 0 {
			t.Fatalf("the copy without the lease runs %v", got)
		}
	}
	leader.cancel()
	<-leader.done
	waitFor(t, "the follower's reconcilers", config.LeaderElection.LeaseDuration+30*time.Second, func() bool {
		return len(follower.acting()) == len(reconcilers)
	})
}

// TestReconcilersNeed: a manager runs the latest-metrics writer and the
// archive sweep only with the data etcd's stores (inside an API server),
// and the quota reconciler only against a cluster.
func TestReconcilersNeed(t *testing.T) {
	logger, _ := ktesting.NewTestContext(t)
	data := DataStores{Metrics: &countingMetrics{}, Logs: &countingLogs{}}
	for name, tc := range map[string]struct {
		manager *Manager
		want    []string
	}{
		"cluster, API server": {
			manager: NewManager(Config{Controllers: []string{"*"}, Data: data}, kubefake.NewClientset(), mlfake.NewClientset()),
			want:    reconcilers,
		},
		"cluster, controller subcommand": {
			manager: NewManager(Config{Controllers: []string{"*"}}, kubefake.NewClientset(), mlfake.NewClientset()),
			want:    []string{QuotaUsageController},
		},
		"cluster, metric store only": {
			manager: NewManager(Config{Controllers: []string{"*"}, Data: DataStores{Metrics: data.Metrics}}, kubefake.NewClientset(), mlfake.NewClientset()),
			want:    []string{LatestMetricsController, QuotaUsageController},
		},
		"standalone": {
			manager: NewStandaloneManager(Config{Controllers: []string{"*"}, Data: data}, mlfake.NewClientset(), nil, &fakeLocalRuntime{}),
			want:    []string{LatestMetricsController, LogArchiveSweepController},
		},
	} {
		t.Run(name, func(t *testing.T) {
			var got []string
			for _, i := range tc.manager.runnable(logger) {
				for _, r := range reconcilers {
					if i.name == r {
						got = append(got, r)
					}
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("reconcilers run (-want +got):\n%s", diff)
			}
		})
	}
}
