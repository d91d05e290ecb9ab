package framework

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// LocalUp runs `hack/local-up.sh ARGS...` (stop|start|restart NAME) for the
// cluster's LOCAL_UP_DIR and fails the test when it fails.
func (c *Cluster) LocalUp(t testing.TB, args ...string) {
	t.Helper()
	if c.LocalUpDir == "" {
		t.Fatal("hack/local-up.sh: the cluster was not started by it")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, filepath.Join(c.root, "hack", "local-up.sh"), args...)
	cmd.Dir = c.root
	cmd.Env = append(append(os.Environ(), c.env...), "LOCAL_UP_DIR="+c.LocalUpDir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("hack/local-up.sh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("hack/local-up.sh %s (%s)", strings.Join(args, " "), time.Since(start).Round(100*time.Millisecond))
}

// PID returns the recorded pid of the cluster process name (etcd,
// kube-apiserver, ml-apiserver, ...).
func (c *Cluster) PID(t testing.TB, name string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(c.LocalUpDir, "pids", name+".pid"))
	if err != nil {
		t.Fatalf("pid of %s: %v", name, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatalf("pid of %s: %v", name, err)
	}
	return pid
}

// Running reports whether pid runs the program of the cluster process name,
// as hack/lib/common.sh decides it: a recycled pid running something else
// does not count, and a replica ml-apiserver-N runs ml-apiserver.
func Running(pid int, name string) bool {
	if base, n, ok := strings.Cut(name, "ml-apiserver-"); ok && base == "" {
		if _, err := strconv.Atoi(n); err == nil {
			name = "ml-apiserver"
		}
	}
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	argv0, _, _ := strings.Cut(string(cmdline), "\x00")
	return filepath.Base(argv0) == name
}
