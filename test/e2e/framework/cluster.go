// Package framework runs the e2e tests against a real control plane:
// kube-apiserver, kube-controller-manager, kube-scheduler, kwok nodes and
// ml-apiserver aggregated behind an APIService, as hack/local-up.sh starts
// them. Main starts one such cluster for a test package in a fresh
// directory and always stops it again with hack/local-down.sh; with
// ML_E2E_KUBECONFIG set it uses that existing cluster instead.
package framework

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Environment variables that change how Main gets its cluster.
const (
	// KubeconfigEnv names an admin kubeconfig of an existing cluster to
	// test instead of starting one. When a local-up.env lies next to it
	// (the kubeconfig is $LOCAL_UP_DIR/kubeconfig), the tests that talk to
	// ml-apiserver directly use it too.
	KubeconfigEnv = "ML_E2E_KUBECONFIG"
	// DisruptiveEnv set to "true" lets the disruptive tests (restarting
	// kube-apiserver, stopping etcd) run against an existing local-up
	// cluster; they always run against a cluster Main started.
	DisruptiveEnv = "ML_E2E_DISRUPTIVE"
	// LogLinesEnv is how many lines of each process log a failed run
	// prints (default 40).
	LogLinesEnv = "ML_E2E_LOG_LINES"
)

// localUpTimeout bounds hack/local-up.sh, which builds what is out of date
// first: ml-apiserver and etcd take seconds, a cold control plane (when
// `make tools` did not run) many minutes.
const localUpTimeout = 20 * time.Minute

// Cluster is the cluster under test.
type Cluster struct {
	// Kubeconfig is the path of the admin kubeconfig for kube-apiserver.
	Kubeconfig string
	// LocalUpDir is hack/local-up.sh's LOCAL_UP_DIR, or "" when the
	// cluster was not started by it.
	LocalUpDir string
	// Env is what local-up.env says (KUBE_APISERVER_URL, ML_APISERVER_URL,
	// ML_APISERVER_CA_FILE, ...); empty without LocalUpDir.
	Env map[string]string
	// Owned is true when Main started the cluster for this run.
	Owned bool

	config *rest.Config
	root   string
	// env is added to the environment of hack/local-up.sh and
	// hack/local-down.sh (StartCluster).
	env []string
	// watchdog is the write end of the watchdog process's stdin.
	watchdog *os.File
}

// Main starts one cluster for every test of a package (or uses the one of
// ML_E2E_KUBECONFIG), stores it in *cluster, runs the tests and exits with
// their result. A cluster Main started is stopped with hack/local-down.sh
// whatever happens: when the tests pass or fail, on SIGINT or SIGTERM, and,
// through a watchdog process, when the test binary dies of a panic or of
// the -timeout. After a failure the tails of the process logs are printed
// and the cluster's directory is kept.
func Main(m *testing.M, cluster **Cluster) {
	os.Exit(runMain(m, cluster))
}

func runMain(m *testing.M, cluster **Cluster) int {
	flag.Parse()
	if f := flag.Lookup("test.list"); f != nil && f.Value.String() != "" {
		return m.Run()
	}
	root, err := repoRoot()
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	if kubeconfig := os.Getenv(KubeconfigEnv); kubeconfig != "" {
		c, err := existingCluster(root, kubeconfig)
		if err != nil {
			fmt.Fprintf(os.Stderr, "e2e: %s: %v\n", KubeconfigEnv, err)
			return 1
		}
		*cluster = c
		return m.Run()
	}
	return runOwned(m, cluster, root)
}

func runOwned(m *testing.M, cluster **Cluster, root string) (code int) {
	dir, err := os.MkdirTemp("", "ml-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	c := &Cluster{LocalUpDir: dir, Owned: true, root: root}
	fmt.Fprintf(os.Stderr, "e2e: local cluster in %s\n", dir)

	c.watchdog, err = startWatchdog(root, dir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		_ = os.RemoveAll(dir)
		return 1
	}
	var downOnce sync.Once
	down := func(failed bool) {
		downOnce.Do(func() {
			c.down(failed)
			// The cluster is down: let the watchdog go.
			_ = c.watchdog.Close()
		})
	}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		sig, ok := <-signals
		if !ok {
			return
		}
		fmt.Fprintf(os.Stderr, "e2e: %v: stopping the local cluster\n", sig)
		down(true)
		os.Exit(1)
	}()
	defer func() {
		signal.Stop(signals)
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "e2e: panic: %v\n", r)
			code = 1
		}
		down(code != 0)
	}()

	if err := c.up(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	*cluster = c
	return m.Run()
}

// existingCluster describes the cluster of kubeconfig.
func existingCluster(root, kubeconfig string) (*Cluster, error) {
	c := &Cluster{Kubeconfig: kubeconfig, root: root}
	dir := filepath.Dir(kubeconfig)
	if _, err := os.Stat(filepath.Join(dir, "local-up.env")); err == nil {
		c.LocalUpDir = dir
	}
	return c, c.load()
}

// up runs hack/local-up.sh with LOCAL_UP_DIR set to the cluster's directory.
func (c *Cluster) up() error {
	ctx, cancel := context.WithTimeout(context.Background(), localUpTimeout)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, filepath.Join(c.root, "hack", "local-up.sh"))
	cmd.Dir = c.root
	cmd.Env = append(append(os.Environ(), c.env...), "LOCAL_UP_DIR="+c.LocalUpDir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("hack/local-up.sh: %w\n%s", err, out.String())
	}
	c.Kubeconfig = filepath.Join(c.LocalUpDir, "kubeconfig")
	if err := c.load(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "e2e: local cluster up in %s\n", time.Since(start).Round(time.Second))
	return nil
}

// load reads the kubeconfig and, for a local-up cluster, local-up.env.
func (c *Cluster) load() error {
	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		return fmt.Errorf("load kubeconfig: %w", err)
	}
	cfg.QPS, cfg.Burst = 200, 400
	c.config = cfg
	if c.LocalUpDir == "" {
		return nil
	}
	env, err := readEnvFile(filepath.Join(c.LocalUpDir, "local-up.env"))
	if err != nil {
		return err
	}
	c.Env = env
	return nil
}

// down stops the cluster with hack/local-down.sh. A failed run prints the
// tails of the process logs and keeps the directory; a passed one removes
// it.
func (c *Cluster) down(failed bool) {
	if failed {
		c.printLogTails()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	args := []string{}
	if !failed {
		args = append(args, "--purge")
	}
	cmd := exec.CommandContext(ctx, filepath.Join(c.root, "hack", "local-down.sh"), args...)
	cmd.Dir = c.root
	cmd.Env = append(os.Environ(), "LOCAL_UP_DIR="+c.LocalUpDir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: hack/local-down.sh: %v\n%s", err, out)
		failed = true
	}
	if failed {
		// Tells the watchdog that the cluster is already down.
		_ = os.WriteFile(filepath.Join(c.LocalUpDir, ".e2e-down"), nil, 0o600)
		fmt.Fprintf(os.Stderr, "e2e: logs and state of the local cluster are kept in %s\n", c.LocalUpDir)
	}
}

// printLogTails prints the end of every process log of the cluster.
func (c *Cluster) printLogTails() {
	lines := 40
	if n, err := strconv.Atoi(os.Getenv(LogLinesEnv)); err == nil && n >= 0 {
		lines = n
	}
	logs, _ := filepath.Glob(filepath.Join(c.LocalUpDir, "logs", "*.log"))
	sort.Strings(logs)
	for _, f := range logs {
		tail, err := tailFile(f, lines)
		if err != nil {
			fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
			continue
		}
		fmt.Fprintf(os.Stderr, "----- last %d lines of %s -----\n%s-----\n", lines, f, tail)
	}
}

func tailFile(path string, n int) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }()
	var ring []string
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for s.Scan() {
		ring = append(ring, s.Text())
		if len(ring) > n {
			ring = ring[1:]
		}
	}
	if err := s.Err(); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	if len(ring) == 0 {
		return "", nil
	}
	return strings.Join(ring, "\n") + "\n", nil
}

// watchdogScript waits until the test binary is gone (its end of the pipe
// on stdin closes, however it died) and then, unless the binary stopped the
// cluster itself, prints the log tails and runs hack/local-down.sh.
const watchdogScript = `cat >/dev/null
dir="$1" down="$2"
if [ -d "${dir}/pids" ] && [ ! -e "${dir}/.e2e-down" ]; then
  echo "e2e watchdog: the test binary exited without stopping the local cluster in ${dir}" >&2
  for f in "${dir}"/logs/*.log; do
    [ -f "${f}" ] || continue
    echo "----- last 40 lines of ${f} -----" >&2
    tail -n 40 "${f}" >&2
  done
  LOCAL_UP_DIR="${dir}" "${down}" >&2 || true
  touch "${dir}/.e2e-down"
  echo "e2e watchdog: logs and state are kept in ${dir}" >&2
fi
`

// startWatchdog starts a process, in a session of its own so that a ^C to
// the test's process group leaves it alone, that stops the cluster of dir
// when this process exits without doing so: a panic in a test goroutine
// or the -timeout of go test end the binary without running deferred calls.
// The write end of its stdin pipe, which the caller keeps open (and
// reachable, or a finalizer closes it) until the cluster is down, is
// close-on-exec: only this process holds it, and the watchdog exits by
// itself once this process is gone.
func startWatchdog(root, dir string) (*os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("watchdog pipe: %w", err)
	}
	cmd := exec.Command("bash", "-c", watchdogScript, "e2e-watchdog", dir, filepath.Join(root, "hack", "local-down.sh"))
	cmd.Stdin = r
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		_ = r.Close()
		_ = w.Close()
		return nil, fmt.Errorf("start watchdog: %w", err)
	}
	_ = r.Close()
	go func() { _ = cmd.Wait() }()
	return w, nil
}

// readEnvFile reads the variables of local-up.env by sourcing it in bash, so
// that shell quoting is undone exactly.
func readEnvFile(path string) (map[string]string, error) {
	out, err := exec.Command("bash", "-c", `set -a; source "$1"; env -0`, "read-env", path).Output()
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return nil, fmt.Errorf("read %s: %w: %s", path, err, exitErr.Stderr)
		}
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	keys, err := envKeys(path)
	if err != nil {
		return nil, err
	}
	all := map[string]string{}
	for _, kv := range strings.Split(string(out), "\x00") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			all[k] = v
		}
	}
	env := map[string]string{}
	for _, k := range keys {
		env[k] = all[k]
	}
	return env, nil
}

// envKeys are the names the env file assigns.
func envKeys(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimPrefix(strings.TrimSpace(line), "export ")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, _, ok := strings.Cut(line, "="); ok {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// repoRoot is the repository, found from this source file.
func repoRoot() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("cannot locate the framework's source file")
	}
	root := filepath.Join(filepath.Dir(file), "..", "..", "..")
	if _, err := os.Stat(filepath.Join(root, "hack", "local-up.sh")); err != nil {
		return "", fmt.Errorf("repository root: %w", err)
	}
	return filepath.Abs(root)
}

// Root is the repository's root directory.
func (c *Cluster) Root() string { return c.root }
