package controller

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"
)

// Defaults of leader election, those of kube-controller-manager.
const (
	DefaultLeaseName     = "ml-controller"
	DefaultLeaseDuration = 15 * time.Second
	DefaultRenewDeadline = 10 * time.Second
	DefaultRetryPeriod   = 2 * time.Second
)

// LeaderElectionConfig configures the election among copies of the
// controllers on a coordination.k8s.io Lease.
type LeaderElectionConfig struct {
	// Enabled runs the controllers only while holding the lease.
	Enabled bool
	// Namespace and Name of the Lease.
	Namespace, Name string
	// Identity of this copy in the Lease; empty means hostname_uuid.
	Identity string
	// LeaseDuration is how long others wait after the last renewal before
	// taking over; RenewDeadline how long the leader retries renewing
	// before it gives up; RetryPeriod how often everyone tries.
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
}

// NewIdentity returns a unique identity for a copy: hostname_uuid.
func NewIdentity() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	return host + "_" + string(uuid.NewUUID())
}

// runLeaderElected calls run, with a context that ends when the lease is
// lost or ctx is done, each time this copy acquires the lease, until ctx is
// done. On shutdown the lease is given back only after run has returned,
// so that the next leader never overlaps with this one.
func (m *Manager) runLeaderElected(ctx context.Context, run func(context.Context) error) error {
	cfg := m.config.LeaderElection
	cfg.Identity = m.identity
	logger := klog.FromContext(ctx).WithValues("lease", klog.KRef(cfg.Namespace, cfg.Name), "identity", cfg.Identity)
	for ctx.Err() == nil {
		if err := m.leadOnce(klog.NewContext(ctx, logger), cfg, run); err != nil {
			return err
		}
		if ctx.Err() == nil {
			logger.Info("Not leading any more: campaigning again")
			select {
			case <-ctx.Done():
			case <-m.clock.After(cfg.RetryPeriod):
			}
		}
	}
	return nil
}

// leadOnce campaigns for the lease and runs run while holding it; it
// returns once the lease is lost or ctx is done, after run has returned.
func (m *Manager) leadOnce(ctx context.Context, cfg LeaderElectionConfig, run func(context.Context) error) error {
	logger := klog.FromContext(ctx)
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: cfg.Namespace, Name: cfg.Name},
		Client:     m.backend.kube.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: cfg.Identity},
	}
	// The election outlives ctx until the controllers have stopped.
	electionCtx, stopElection := context.WithCancel(context.WithoutCancel(ctx))
	defer stopElection()

	var mu sync.Mutex
	var term chan struct{} // closed when the controllers of this term stopped
	elector, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:            lock,
		Name:            cfg.Name,
		LeaseDuration:   cfg.LeaseDuration,
		RenewDeadline:   cfg.RenewDeadline,
		RetryPeriod:     cfg.RetryPeriod,
		ReleaseOnCancel: true,
		WatchDog:        m.watchdog,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(leaderCtx context.Context) {
				done := make(chan struct{})
				mu.Lock()
				term = done
				mu.Unlock()
				defer close(done)
				runCtx, cancel := context.WithCancel(leaderCtx)
				defer cancel()
				defer context.AfterFunc(ctx, cancel)()
				logger.Info("Acquired the lease: starting the controllers")
				err := run(runCtx)
				if runCtx.Err() == nil {
					// The controllers gave up while leading: hand the
					// lease to another copy rather than hold it idle.
					logger.Error(err, "Controllers stopped while leading: giving up the lease")
					stopElection()
				}
			},
			OnStoppedLeading: func() { logger.V(2).Info("Not leading") },
			OnNewLeader: func(identity string) {
				if identity != cfg.Identity {
					logger.Info("Another copy leads", "leader", identity)
				}
			},
		},
	})
	if err != nil {
		return fmt.Errorf("leader election: %w", err)
	}
	waitTerm := func() {
		mu.Lock()
		done := term
		mu.Unlock()
		if done != nil {
			<-done
		}
	}
	stop := context.AfterFunc(ctx, func() {
		waitTerm()
		stopElection()
	})
	defer stop()
	elector.Run(electionCtx)
	waitTerm()
	return nil
}
