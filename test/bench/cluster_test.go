package bench

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller"
)

// keepEnv, when set, keeps the local cluster's directory (logs, data) after
// a successful run too.
const keepEnv = "ML_BENCH_KEEP_LOCAL_UP"

// localCluster is a cluster of hack/local-up.sh in a temporary
// LOCAL_UP_DIR of its own: kube-apiserver, kube-controller-manager,
// kube-scheduler, kwok and ml-apiserver aggregated, on one etcd.
type localCluster struct {
	root, dir string
	// env is local-up.env: URLs, CA files, the etcd endpoint and prefix.
	env map[string]string
	// admin is the admin kubeconfig's config (client certificate, through
	// kube-apiserver).
	admin *rest.Config
}

// startLocalCluster runs hack/local-up.sh with a fresh LOCAL_UP_DIR,
// restarts ml-apiserver there without its controllers, and stops the cluster with hack/local-down.sh when the benchmark ends, failed
// or not. A watchdog process also runs local-down once this process is gone,
// so that a test binary killed by its timeout leaves no cluster behind. The
// directory is removed after a successful run (unless ML_BENCH_KEEP_LOCAL_UP
// is set) and kept (with the logs) after a failure.
func startLocalCluster(b *testing.B) *localCluster {
	b.Helper()
	wd, err := os.Getwd()
	if err != nil {
		b.Fatal(err)
	}
	root := filepath.Clean(filepath.Join(wd, "..", ".."))
	if _, err := os.Stat(filepath.Join(root, "hack", "local-up.sh")); err != nil {
		b.Fatalf("hack/local-up.sh not found from %s: %v", wd, err)
	}
	dir, err := os.MkdirTemp("", "ml-bench-local-up-")
	if err != nil {
		b.Fatal(err)
	}
	c := &localCluster{root: root, dir: dir}

	watchdog := exec.Command("bash", "-c",
		`while kill -0 "$1" 2>/dev/null; do sleep 2; done
		 if [[ -d "$2/pids" ]]; then LOCAL_UP_DIR="$2" "$3/hack/local-down.sh" >>"$2/watchdog.log" 2>&1; fi`,
		"bench-watchdog", strconv.Itoa(os.Getpid()), dir, root)
	watchdog.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := watchdog.Start(); err != nil {
		b.Fatalf("start watchdog: %v", err)
	}
	_ = watchdog.Process.Release()

	b.Cleanup(func() {
		if err := c.script(context.Background(), "local-down.log", "local-down.sh"); err != nil {
			b.Errorf("hack/local-down.sh: %v (see %s)", err, filepath.Join(dir, "local-down.log"))
		}
		if b.Failed() || os.Getenv(keepEnv) != "" {
			b.Logf("local cluster state and logs kept in %s", dir)
			return
		}
		if err := os.RemoveAll(dir); err != nil {
			b.Logf("remove %s: %v", dir, err)
		}
	})

	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	if err := c.script(ctx, "local-up.log", "local-up.sh"); err != nil {
		b.Fatalf("hack/local-up.sh: %v\n%s", err, tail(filepath.Join(dir, "local-up.log"), 40))
	}
	b.Logf("local cluster up in %s (state in %s)", time.Since(start).Round(time.Second), dir)

	if c.env, err = readEnvFile(filepath.Join(dir, "local-up.env")); err != nil {
		b.Fatal(err)
	}
	if c.admin, err = clientcmd.BuildConfigFromFlags("", filepath.Join(dir, "kubeconfig")); err != nil {
		b.Fatalf("admin kubeconfig: %v", err)
	}
	for _, k := range []string{"KUBE_APISERVER_URL", "ML_APISERVER_URL", "ML_APISERVER_CA_FILE", "ETCD_URL", "ML_APISERVER_ETCD_PREFIX"} {
		if c.env[k] == "" {
			b.Fatalf("local-up.env has no %s", k)
		}
	}
	if err := c.withoutControllers(ctx); err != nil {
		b.Fatalf("restart ml-apiserver without its controllers: %v\n%s", err, tail(filepath.Join(dir, "logs", "ml-apiserver.log"), 40))
	}
	return c
}

// withoutControllers restarts ml-apiserver with every bundled controller
// disabled (--controllers=-trainingjob,...). The benchmark compares ways of
// serving the API: with the controllers on, every TrainingJob would also
// get pods and a Service through kube-apiserver, which the CRD path has no
// counterpart for. local-up's run/ml-apiserver.sh is the server's exact
// command line; the flag is added to it and local-up restarts the process
// from it.
func (c *localCluster) withoutControllers(ctx context.Context) error {
	script := filepath.Join(c.dir, "run", "ml-apiserver.sh")
	b, err := os.ReadFile(script)
	if err != nil {
		return err
	}
	off := make([]string, len(controller.KnownControllers))
	for i, name := range controller.KnownControllers {
		off[i] = "-" + name
	}
	flag := " --controllers=" + strings.Join(off, ",")
	lines := strings.Split(string(b), "\n")
	done := false
	for i, l := range lines {
		if strings.HasPrefix(l, "exec ") && strings.Contains(l, " >>") {
			lines[i] = strings.Replace(l, " >>", flag+" >>", 1)
			done = true
		}
	}
	if !done {
		return fmt.Errorf("no exec line with an output redirection in %s", script)
	}
	if err := os.WriteFile(script, []byte(strings.Join(lines, "\n")), 0o755); err != nil {
		return err
	}
	if err := c.script(ctx, "local-up.log", "local-up.sh", "restart", "ml-apiserver"); err != nil {
		return err
	}
	// Wait until the aggregator reaches the new process again.
	admin := rest.CopyConfig(c.admin)
	client, err := rest.HTTPClientFor(admin)
	if err != nil {
		return err
	}
	url := admin.Host + "/apis/" + mlv1alpha1.GroupName + "/v1alpha1/namespaces/default/trainingjobs"
	ok := 0
	return wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false, err
		}
		resp, err := client.Do(req)
		if err != nil {
			ok = 0
			return false, nil
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			ok = 0
			return false, nil
		}
		ok++
		return ok >= 3, nil
	})
}

// script runs hack/NAME with args for this cluster, its output appended to
// LOCAL_UP_DIR/LOG.
func (c *localCluster) script(ctx context.Context, log, name string, args ...string) error {
	out, err := os.OpenFile(filepath.Join(c.dir, log), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer out.Close()
	cmd := exec.CommandContext(ctx, filepath.Join(c.root, "hack", name), args...)
	cmd.Dir = c.root
	cmd.Env = append(os.Environ(), "LOCAL_UP_DIR="+c.dir)
	cmd.Stdout, cmd.Stderr = out, out
	// On a timeout, stop the script, not the cluster processes: they run
	// in sessions of their own and local-down stops them.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	return cmd.Run()
}

// pid is the pid local-up recorded for a component, or 0.
func (c *localCluster) pid(name string) int {
	b, err := os.ReadFile(filepath.Join(c.dir, "pids", name+".pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// readEnvFile reads the KEY=value lines of local-up.env (written with
// bash's printf %q, which leaves plain paths and URLs unquoted).
func readEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if uq, err := strconv.Unquote(v); err == nil {
			v = uq
		} else if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
			v = v[1 : len(v)-1]
		} else {
			v = strings.ReplaceAll(v, `\`, "")
		}
		env[k] = v
	}
	return env, sc.Err()
}

// tail is the end of a file, for failure messages.
func tail(path string, lines int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	l := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}
