package framework

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// OldestKubectl is the oldest kubectl the key checks also run with; the
// newest installed one runs them too.
const OldestKubectl = "1.27"

// kubectlTimeout bounds one kubectl command that is not given a context.
const kubectlTimeout = 2 * time.Minute

// Kubectl runs one kubectl binary against the cluster with the admin
// kubeconfig and a discovery cache of its own.
type Kubectl struct {
	// Version is the kubectl's minor version, such as 1.33.
	Version string
	// Path is the binary.
	Path string

	kubeconfig string
	cacheDir   string
}

// Result is the outcome of one kubectl command.
type Result struct {
	Stdout, Stderr string
	Err            error
}

// Kubectls returns the newest kubectl.1.N installed next to the kubectl on
// PATH and kubectl.1.27, newest first. The test fails when either is
// missing: both are part of the machine's toolset.
func (c *Cluster) Kubectls(t testing.TB) []Kubectl {
	t.Helper()
	found := installedKubectls(t)
	var versions []string
	for v := range found {
		versions = append(versions, v)
	}
	sort.Slice(versions, func(i, j int) bool { return minor(versions[i]) > minor(versions[j]) })
	if found[OldestKubectl] == "" {
		t.Fatalf("kubectl.%s is not installed next to kubectl (found %v)", OldestKubectl, versions)
	}
	picked := []string{versions[0]}
	if versions[0] != OldestKubectl {
		picked = append(picked, OldestKubectl)
	}
	var out []Kubectl
	for _, v := range picked {
		out = append(out, c.kubectl(t, v, found[v]))
	}
	return out
}

// Kubectl returns the newest installed kubectl.
func (c *Cluster) Kubectl(t testing.TB) Kubectl {
	t.Helper()
	return c.Kubectls(t)[0]
}

func (c *Cluster) kubectl(t testing.TB, version, path string) Kubectl {
	return Kubectl{Version: version, Path: path, kubeconfig: c.Kubeconfig, cacheDir: t.TempDir()}
}

// installedKubectls maps minor versions to the kubectl.1.N binaries next to
// the kubectl on PATH.
func installedKubectls(t testing.TB) map[string]string {
	t.Helper()
	onPath, err := exec.LookPath("kubectl")
	if err != nil {
		t.Fatalf("kubectl is not installed: %v", err)
	}
	real, err := filepath.EvalSymlinks(onPath)
	if err != nil {
		t.Fatalf("resolve %s: %v", onPath, err)
	}
	matches, err := filepath.Glob(filepath.Join(filepath.Dir(real), "kubectl.1.*"))
	if err != nil {
		t.Fatalf("glob kubectl versions: %v", err)
	}
	versionRE := regexp.MustCompile(`^kubectl\.(1\.[0-9]+)$`)
	found := map[string]string{}
	for _, m := range matches {
		if v := versionRE.FindStringSubmatch(filepath.Base(m)); v != nil {
			found[v[1]] = m
		}
	}
	if len(found) == 0 {
		t.Fatalf("no kubectl.1.N next to %s", real)
	}
	return found
}

// minor is N of "1.N".
func minor(v string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(v, "1."))
	return n
}

// Name is how test names show this kubectl.
func (k Kubectl) Name() string { return "kubectl-" + k.Version }

// Run runs kubectl with args and returns what it printed.
func (k Kubectl) Run(t testing.TB, args ...string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), kubectlTimeout)
	defer cancel()
	return k.RunContext(ctx, t, args...)
}

// RunContext runs kubectl with args until it exits or ctx ends.
func (k Kubectl) RunContext(ctx context.Context, t testing.TB, args ...string) Result {
	t.Helper()
	full := append([]string{"--kubeconfig", k.kubeconfig, "--cache-dir", k.cacheDir}, args...)
	cmd := exec.CommandContext(ctx, k.Path, full...)
	// HOME keeps kubectl away from the user's ~/.kube.
	cmd.Env = append(os.Environ(), "KUBECONFIG="+k.kubeconfig, "HOME="+k.cacheDir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	t.Logf("kubectl.%s %s (%s, err=%v)", k.Version, strings.Join(args, " "), time.Since(start).Round(time.Millisecond), err)
	return Result{Stdout: stdout.String(), Stderr: stderr.String(), Err: err}
}

// MustRun runs kubectl and fails the test when it exits non-zero.
func (k Kubectl) MustRun(t testing.TB, args ...string) string {
	t.Helper()
	r := k.Run(t, args...)
	if r.Err != nil {
		t.Fatalf("kubectl.%s %s: %v\nstdout:\n%s\nstderr:\n%s", k.Version, strings.Join(args, " "), r.Err, r.Stdout, r.Stderr)
	}
	return r.Stdout
}
