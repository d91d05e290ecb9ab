// Package plugin runs the kubectl ml binary, built from this repository,
// against an in-process standalone server: its error format and exit
// codes, its helpful messages and its version, each compared with a
// golden file in testdata (go test ./test/integration/plugin -update
// rewrites them), and --watch ending with the object.
package plugin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"ml.example.io/ml-apiserver/test/integration/framework"
)

// server is the standalone server every test of the package shares.
var server *framework.TestServer

func TestMain(m *testing.M) {
	framework.Main(m, &server)
}

// stamp is how the test binary is stamped, as `make release-plugin`
// stamps releases.
var stamp = map[string]string{
	"gitMajor":     "0",
	"gitMinor":     "1",
	"gitVersion":   "v0.1.0-test",
	"gitCommit":    "0123456789abcdef0123456789abcdef01234567",
	"gitTreeState": "clean",
	"buildDate":    "2026-01-01T00:00:00Z",
}

// buildPlugin builds kubectl-ml into a temporary directory, stamped with
// stamp.
func buildPlugin(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kubectl-ml")
	var ldflags []string
	for k, v := range stamp {
		ldflags = append(ldflags, "-X k8s.io/component-base/version."+k+"="+v)
	}
	sort.Strings(ldflags)
	cmd := exec.Command("go", "build", "-o", bin, "-ldflags", strings.Join(ldflags, " "), "./cmd/kubectl-ml")
	cmd.Dir = filepath.Join("..", "..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build kubectl-ml: %v\n%s", err, out)
	}
	return bin
}

// plugin runs the built binary with the server's admin kubeconfig.
type plugin struct {
	bin, kubeconfig, home string
}

// result is what one run printed and how it exited.
type result struct {
	stdout, stderr string
	code           int
}

// String is the golden form of a run, without what depends on the
// machine that built the plugin.
func (r result) String() string {
	s := fmt.Sprintf("exit code: %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
	return strings.NewReplacer(runtime.Version(), "GOVERSION", runtime.GOOS+"/"+runtime.GOARCH, "GOOS/GOARCH").Replace(s)
}

func (p plugin) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, p.bin, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+p.kubeconfig, "HOME="+p.home)
	return cmd
}

// run runs the plugin to its end.
func (p plugin) run(t *testing.T, args ...string) result {
	t.Helper()
	cmd := p.command(t.Context(), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	code := 0
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("kubectl ml %s: %v", strings.Join(args, " "), err)
	}
	t.Logf("kubectl ml %s: exit %d", strings.Join(args, " "), code)
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}
