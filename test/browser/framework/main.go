// Package framework runs the web dashboard in a real browser for the tests
// of test/browser: Debian's chromium driven by chromedp, against one
// standalone ml-apiserver with its controllers on (the local runtime runs
// the examples), shared by the package, each test in a namespace of its
// own with a dashboard server of its own.
//
//	func TestMain(m *testing.M) { framework.Main(m) }
//
//	func TestRunGraph(t *testing.T) {
//		env := framework.New(t)
//		env.Kubectl(t, "apply", "-f", "artifacts/examples/local/4-pipelinerun.yaml")
//		ctx := env.Browser(t)
//		...
//		env.Screenshot(t, ctx, "graph")
//	}
//
// A user with fewer rights than the admin needs RBAC, which standalone mode
// does not have: env.LimitedDashboard starts (once per package) a cluster
// of hack/local-up.sh and serves a dashboard that impersonates a user with
// only the given verbs there.
package framework

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	"ml.example.io/ml-apiserver/pkg/workload/local/launcher"
	e2eframework "ml.example.io/ml-apiserver/test/e2e/framework"
	itframework "ml.example.io/ml-apiserver/test/integration/framework"
)

// ExamplesDir is where the local examples write their files (as make run
// allows them to).
const ExamplesDir = itframework.ExamplesDir

// chromiumPath is Debian's chromium.
const chromiumPath = "/usr/bin/chromium"

// state is what Main sets up for the package's tests.
var state struct {
	root     string
	dist     string
	chromium string
	// skip says why the browser tests cannot run here; New skips then.
	skip   string
	server *itframework.TestServer

	// The local-up cluster of LimitedDashboard, started on first use.
	clusterOnce sync.Once
	cluster     *e2eframework.Cluster
	clusterErr  error
	stopCluster func(failed bool)
}

// Main sets up the package's tests and runs them: chromium (installed
// with apt-get when missing and running as root, else every test is
// skipped with the reason), the dashboard built once by
// hack/build-dashboard into _output/browser/dist, and one standalone
// server with its controllers on. It exits with the tests' result.
func Main(m *testing.M) {
	// The local runtime starts this test binary as the launcher of its
	// confined processes: that must come first.
	launcher.RunIfLauncher()
	os.Exit(run(m))
}

func run(m *testing.M) int {
	flag.Parse()
	if f := flag.Lookup("test.list"); f != nil && f.Value.String() != "" {
		return m.Run()
	}
	root, err := repoRoot()
	if err != nil {
		fmt.Fprintf(os.Stderr, "browser: %v\n", err)
		return 1
	}
	state.root = root
	if state.chromium, err = ensureChromium(); err != nil {
		state.skip = err.Error()
		fmt.Fprintf(os.Stderr, "browser: skipping the browser tests: %s\n", state.skip)
		return m.Run()
	}
	state.dist = filepath.Join(root, "_output", "browser", "dist")
	if err := buildDashboard(root, state.dist); err != nil {
		fmt.Fprintf(os.Stderr, "browser: %v\n", err)
		return 1
	}
	// The examples write under this directory; start from a clean one,
	// which no other test package uses meanwhile.
	release, err := itframework.HoldExamplesDir()
	if err != nil {
		fmt.Fprintf(os.Stderr, "browser: %v\n", err)
		return 1
	}
	defer release()
	code := itframework.RunWith(m, &state.server, func(o *options.Options) {
		o.Controllers.Controllers = []string{"*"}
		o.Local.ReadWritePaths = append(o.Local.ReadWritePaths, ExamplesDir)
	})
	if state.stopCluster != nil {
		state.stopCluster(code != 0)
	}
	return code
}

// ensureChromium returns Debian's chromium, installing it when missing and
// this process is root (as CI runs), else an error saying how to get it.
func ensureChromium() (string, error) {
	if _, err := os.Stat(chromiumPath); err == nil {
		return chromiumPath, nil
	}
	if os.Geteuid() != 0 {
		return "", fmt.Errorf("%s is missing and this user cannot install it: run `sudo apt-get install -y chromium`", chromiumPath)
	}
	fmt.Fprintf(os.Stderr, "browser: installing chromium with apt-get\n")
	install := func() error {
		cmd := exec.Command("apt-get", "install", "-y", "--no-install-recommends", "chromium")
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		return cmd.Run()
	}
	if err := install(); err != nil {
		// A fresh machine has no package lists yet.
		update := exec.Command("apt-get", "update")
		update.Stdout, update.Stderr = os.Stderr, os.Stderr
		if err := update.Run(); err != nil {
			return "", fmt.Errorf("apt-get update: %w", err)
		}
		if err := install(); err != nil {
			return "", fmt.Errorf("apt-get install chromium: %w", err)
		}
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		return "", fmt.Errorf("apt-get installed chromium, but %s: %w", chromiumPath, err)
	}
	return chromiumPath, nil
}

// buildDashboard runs hack/build-dashboard into out. The tests serve that
// directory: the test binary was compiled before the build, so what it
// embeds may be older.
func buildDashboard(root, out string) error {
	cmd := exec.Command("go", "run", "./hack/build-dashboard", "-out", out)
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build the dashboard (go run ./hack/build-dashboard): %w", err)
	}
	return nil
}

// repoRoot is the repository, found from this source file.
func repoRoot() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("cannot locate the framework's source file")
	}
	root := filepath.Join(filepath.Dir(file), "..", "..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return "", fmt.Errorf("repository root: %w", err)
	}
	return filepath.Abs(root)
}

// Root is the repository's root directory; relative paths of the tests'
// commands (Kubectl) start there.
func Root() string { return state.root }
