package kubectl

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// requiredVersions must be installed next to kubectl; more are tested when
// present.
var requiredVersions = []string{"1.27", "1.33"}

// kubectl runs one kubectl binary with its own KUBECONFIG and HOME, so its
// discovery and OpenAPI caches never leak between versions or runs.
type kubectl struct {
	version    string
	path       string
	kubeconfig string
	home       string
}

// result is the outcome of one kubectl command.
type result struct {
	stdout, stderr string
	err            error
}

// findKubectls returns every kubectl.<minor> installed next to the kubectl
// on PATH, sorted by version. It skips the test only when kubectl is not
// installed at all; a missing required version fails it.
func findKubectls(t *testing.T) map[string]string {
	t.Helper()
	onPath, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skipf("kubectl is not installed: %v", err)
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
	for _, v := range requiredVersions {
		if found[v] == "" {
			t.Errorf("kubectl.%s is not installed next to %s (found %v)", v, real, sortedKeys(found))
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	return found
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return minor(keys[i]) < minor(keys[j]) })
	return keys
}

// minor is the minor number of "1.N", for sorting.
func minor(v string) int {
	n := 0
	for _, c := range strings.TrimPrefix(v, "1.") {
		n = n*10 + int(c-'0')
	}
	return n
}

// run runs kubectl with args and returns what it printed.
func (k kubectl) run(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(k.path, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+k.kubeconfig, "HOME="+k.home)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	t.Logf("kubectl.%s %s (err=%v)", k.version, strings.Join(args, " "), err)
	return result{stdout: stdout.String(), stderr: stderr.String(), err: err}
}

// mustRun runs kubectl and fails the test when it exits non-zero.
func (k kubectl) mustRun(t *testing.T, args ...string) string {
	t.Helper()
	r := k.run(t, args...)
	if r.err != nil {
		t.Fatalf("kubectl.%s %s: %v\nstdout:\n%s\nstderr:\n%s", k.version, strings.Join(args, " "), r.err, r.stdout, r.stderr)
	}
	return r.stdout
}
