package etcdspace

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"k8s.io/klog/v2"
)

// CheckName is the name of the readyz check: /readyz/etcd-space answers
// with the reason and what to do.
const CheckName = "etcd-space"

const (
	// checkTTL is how long an answer is reused: readyz is polled by probes
	// and load balancers, an alarm list per poll is not needed.
	checkTTL = 5 * time.Second
	// checkTimeout bounds one alarm list. An unreachable etcd passes this
	// check: the "etcd" check of the generic server reports it.
	checkTimeout = 2 * time.Second
)

// Target is one etcd cluster to watch.
type Target struct {
	// Name says what the cluster holds, for example "objects".
	Name   string
	Client *clientv3.Client
	// Hint says what to do when it is full.
	Hint string
}

// Check is a readyz check (healthz.HealthChecker) that fails while any
// target has raised the NOSPACE alarm. It only reads.
type Check struct {
	logger  klog.Logger
	targets []Target

	mu        sync.Mutex
	checkedAt time.Time
	last      error
}

// NewCheck returns a check of targets.
func NewCheck(logger klog.Logger, targets ...Target) *Check {
	return &Check{logger: logger, targets: targets}
}

// Name implements healthz.HealthChecker.
func (c *Check) Name() string { return CheckName }

// Check implements healthz.HealthChecker.
func (c *Check) Check(*http.Request) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.checkedAt.IsZero() && time.Since(c.checkedAt) < checkTTL {
		return c.last
	}
	err := c.check()
	switch {
	case err != nil && c.last == nil:
		c.logger.Error(err, "etcd is full, the server is not ready")
	case err == nil && c.last != nil:
		c.logger.Info("etcd has room again, the NOSPACE alarm is gone")
	}
	c.checkedAt, c.last = time.Now(), err
	return err
}

func (c *Check) check() error {
	var full []string
	for _, t := range c.targets {
		ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
		alarms, err := c.listNoSpace(ctx, t.Client)
		cancel()
		if err != nil {
			c.logger.V(2).Info("Cannot list the etcd alarms", "etcd", t.Name, "err", err)
			continue
		}
		if len(alarms) > 0 {
			full = append(full, fmt.Sprintf("the etcd of %s is out of space (NOSPACE alarm: its database reached the space quota, "+
				"and etcd refuses every write that needs room, so creates and updates fail, until it is recovered): %s", t.Name, t.Hint))
		}
	}
	if len(full) == 0 {
		return nil
	}
	return errors.New(strings.Join(full, "; "))
}

func (c *Check) listNoSpace(ctx context.Context, client *clientv3.Client) ([]*pb.AlarmMember, error) {
	if client == nil {
		return nil, errors.New("no client")
	}
	return NoSpaceAlarms(ctx, client)
}

// NoSpaceAlarms lists the NOSPACE alarms of the cluster.
func NoSpaceAlarms(ctx context.Context, client *clientv3.Client) ([]*pb.AlarmMember, error) {
	resp, err := client.AlarmList(ctx)
	if err != nil {
		return nil, fmt.Errorf("list etcd alarms: %w", err)
	}
	var out []*pb.AlarmMember
	for _, a := range resp.Alarms {
		if a.Alarm == pb.AlarmType_NOSPACE {
			out = append(out, a)
		}
	}
	return out, nil
}
