package local

import (
	"context"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilptr "k8s.io/utils/ptr"
)

// maxProbePeriod caps a probe's period: local processes start in seconds,
// and a user waiting at a laptop should not wait for a cluster's cadence.
const maxProbePeriod = 2 * time.Second

// readinessProbe is the container's readiness probe, nil when it has none.
func readinessProbe(c *corev1.Container) *corev1.Probe {
	return c.ReadinessProbe
}

// probe runs the container's readiness probe until stop is closed and
// keeps the replica's Ready in step, telling the handlers of each change.
// A replica without a probe is ready while it runs.
func (r *Runtime) probe(rep *replica, c *corev1.Container, stop <-chan struct{}) {
	p := readinessProbe(c)
	if p == nil {
		return
	}
	period := time.Duration(p.PeriodSeconds) * time.Second
	if period <= 0 || period > maxProbePeriod {
		period = maxProbePeriod
	}
	timeout := time.Duration(p.TimeoutSeconds) * time.Second
	if timeout <= 0 {
		timeout = time.Second
	}
	success, failure := max(p.SuccessThreshold, 1), max(p.FailureThreshold, 1)
	var ok, bad int32
	// The first probe comes soon, not after the initial delay of a cluster.
	next := min(time.Duration(p.InitialDelaySeconds)*time.Second, maxProbePeriod)
	for {
		select {
		case <-stop:
			return
		case <-time.After(next):
		}
		next = period
		passed := r.check(rep, c, p, timeout)
		if passed {
			ok, bad = ok+1, 0
		} else {
			ok, bad = 0, bad+1
		}
		r.mu.Lock()
		was := rep.status.Ready
		switch {
		case !was && ok >= success:
			rep.status.Ready = true
		case was && bad >= failure:
			rep.status.Ready = false
		}
		changed := was != rep.status.Ready
		r.mu.Unlock()
		if changed {
			r.notify(rep.owner)
		}
	}
}

// check runs one probe against the replica on 127.0.0.1.
func (r *Runtime) check(rep *replica, c *corev1.Container, p *corev1.Probe, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	switch {
	case p.HTTPGet != nil:
		port := rep.probePort(c, p.HTTPGet.Port)
		if port == 0 {
			return false
		}
		url := "http://127.0.0.1:" + strconv.Itoa(port) + p.HTTPGet.Path
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false
		}
		for _, h := range p.HTTPGet.HTTPHeaders {
			req.Header.Add(h.Name, h.Value)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode >= 200 && resp.StatusCode < 400
	case p.TCPSocket != nil:
		port := rep.probePort(c, p.TCPSocket.Port)
		if port == 0 {
			return false
		}
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			return false
		}
		_ = conn.Close()
		return true
	case p.GRPC != nil:
		// The gRPC health checking protocol, as the kubelet speaks it.
		conn, err := grpc.NewClient("127.0.0.1:"+strconv.Itoa(rep.probePort(c, intstr.FromInt32(p.GRPC.Port))), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return false
		}
		defer func() { _ = conn.Close() }()
		resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: utilptr.Deref(p.GRPC.Service, "")})
		return err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING
	case p.Exec != nil && len(p.Exec.Command) > 0:
		// Run like the replica's own process: confined, as its user.
		path, err := lookPath(p.Exec.Command[0], rep.env)
		if err != nil {
			return false
		}
		cmd, _, err := r.processCmd(rep, path, p.Exec.Command, rep.env, rep.workDir, false)
		if err != nil {
			return false
		}
		return runContext(ctx, cmd) == nil
	}
	return false
}

// runContext runs cmd, killing its process group when ctx ends.
func runContext(ctx context.Context, cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		case <-done:
		}
	}()
	return cmd.Wait()
}

// probePort is the host port a probe reaches: the replica's own port when
// it has one (every replica of a served set listens on a port of its own),
// else the probe's port, by number or by the container's port name.
func (rep *replica) probePort(c *corev1.Container, port intstr.IntOrString) int {
	if rep.port != 0 {
		return rep.port
	}
	if port.Type == intstr.Int {
		return port.IntValue()
	}
	for _, p := range c.Ports {
		if p.Name == port.StrVal {
			return int(p.ContainerPort)
		}
	}
	return 0
}
