package framework

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

// ControllerProcess is an `ml-apiserver controller` process a test
// started: a copy of the bundled controllers beside the one running inside
// ml-apiserver, taking turns with it on the leader Lease.
type ControllerProcess struct {
	// Identity is its --leader-elect-identity.
	Identity string
	// URL is its HTTPS endpoint (/healthz, /readyz, /metrics).
	URL string
	// Log is the file its output goes to; a failed run prints its tail
	// with the cluster's logs.
	Log string

	cmd  *exec.Cmd
	done chan struct{}
}

// StartController starts `ml-apiserver controller` (the binary local-up
// built) with the ServiceAccount kubeconfig ml-apiserver runs with, leader
// election on, --leader-elect-identity identity, its endpoint on a free
// loopback port, and args. It stops the process when the test ends.
func (c *Cluster) StartController(t testing.TB, identity string, args ...string) *ControllerProcess {
	t.Helper()
	kubeconfig := c.Env["ML_APISERVER_KUBECONFIG"]
	if c.LocalUpDir == "" || kubeconfig == "" {
		t.Skip("ml-apiserver's kubeconfig is unknown: the cluster was not started by hack/local-up.sh")
	}
	bin := filepath.Join(c.root, "_output", "bin", "ml-apiserver")
	port := freePort(t)
	p := &ControllerProcess{
		Identity: identity,
		URL:      fmt.Sprintf("https://127.0.0.1:%d", port),
		Log:      filepath.Join(c.LocalUpDir, "logs", "controller-"+regexp.MustCompile(`[^a-zA-Z0-9-]+`).ReplaceAllString(identity, "-")+".log"),
		done:     make(chan struct{}),
	}
	full := append([]string{"controller",
		"--kubeconfig", kubeconfig,
		"--leader-elect",
		"--leader-elect-identity", identity,
		"--bind-address", "127.0.0.1",
		"--secure-port", strconv.Itoa(port),
		"--v", "2",
	}, args...)
	out, err := os.OpenFile(p.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatalf("controller log: %v", err)
	}
	defer func() { _ = out.Close() }()
	p.cmd = exec.Command(bin, full...)
	p.cmd.Stdout, p.cmd.Stderr = out, out
	// The process dies with the test binary, however that ends.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s controller: %v", bin, err)
	}
	t.Logf("started ml-apiserver controller %s (pid %d, %s, log %s)", identity, p.cmd.Process.Pid, p.URL, p.Log)
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() { p.Stop(t) })
	return p
}

// PID is the process's pid.
func (p *ControllerProcess) PID() int { return p.cmd.Process.Pid }

// Exited says whether the process has exited.
func (p *ControllerProcess) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stop sends SIGTERM, as a rolling update would, and waits for the exit
// (SIGKILL after 30 s): the copy stops its controllers and gives back the
// Lease if it held it.
func (p *ControllerProcess) Stop(t testing.TB) {
	t.Helper()
	if p.Exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Errorf("controller %s did not exit within 30s of SIGTERM: killing it", p.Identity)
		p.Kill()
	}
}

// Kill sends SIGKILL, as a crash or a lost node would, and waits for the
// exit: the Lease stays held until it expires.
func (p *ControllerProcess) Kill() {
	if p.Exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// Config is a client configuration for the process's endpoint as the user
// of cfg (nil: anonymous). The endpoint's certificate is self-signed.
func (p *ControllerProcess) Config(cfg *rest.Config) *rest.Config {
	out := &rest.Config{}
	if cfg != nil {
		out = rest.CopyConfig(cfg)
	}
	out.Host = p.URL
	out.TLSClientConfig.CAFile, out.TLSClientConfig.CAData = "", nil
	out.TLSClientConfig.ServerName = ""
	out.TLSClientConfig.Insecure = true
	return out
}

// WaitReady polls /readyz until it answers 200.
func (p *ControllerProcess) WaitReady(ctx context.Context, t testing.TB, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		if p.Exited() {
			t.Fatalf("controller %s exited (log %s)", p.Identity, p.Log)
		}
		resp, err := TryGet(ctx, p.Config(nil), "/readyz")
		if err == nil && resp.Code == 200 {
			return
		}
		last = fmt.Sprintf("%v %d %s", err, resp.Code, resp.Body)
		time.Sleep(PollInterval)
	}
	t.Fatalf("controller %s not ready within %v: %s", p.Identity, timeout, last)
}

// freePort returns a loopback TCP port nothing listens on.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

// MetricValue finds the sample of the metric name whose labels include
// every pair of labels in a Prometheus text exposition, and reports
// whether there is one.
func MetricValue(exposition, name string, labels map[string]string) (float64, bool) {
	for _, line := range strings.Split(exposition, "\n") {
		if !strings.HasPrefix(line, name) {
			continue
		}
		rest := line[len(name):]
		var set string
		switch {
		case strings.HasPrefix(rest, "{"):
			end := strings.Index(rest, "}")
			if end < 0 {
				continue
			}
			set, rest = rest[1:end], rest[end+1:]
		case strings.HasPrefix(rest, " "):
		default:
			continue
		}
		match := true
		for k, v := range labels {
			if !strings.Contains(","+set+",", fmt.Sprintf(",%s=%q,", k, v)) {
				match = false
			}
		}
		if !match {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			continue
		}
		return v, true
	}
	return 0, false
}
