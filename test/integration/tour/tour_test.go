// Package tour runs the README's tour, line by line, against a standalone
// server with its controllers on, with the machine's kubectl and the
// kubectl ml plugin built from this repository.
package tour

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// root is the repository, where the tour's relative paths start.
const root = "../../.."

// tourLines returns the commands of the README's tour block.
func tourLines(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- tour:[^>]*-->\\s*```sh\\n(.*?)```\\s*<!-- /tour -->").FindSubmatch(data)
	if m == nil {
		t.Fatal("README.md has no tour block between <!-- tour: ... --> and <!-- /tour -->")
	}
	var lines []string
	for _, l := range strings.Split(string(m[1]), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// kubectlML builds the plugin into a directory to put on PATH.
func kubectlML(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "kubectl-ml"), "./cmd/kubectl-ml")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build kubectl-ml: %v\n%s", err, out)
	}
	return dir
}

func TestREADMETour(t *testing.T) {
	for _, tool := range []string{"kubectl", "curl", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the tour needs %s: %v", tool, err)
		}
	}
	lines := tourLines(t)
	// The examples write under this directory; start from a clean one,
	// which no other test package uses meanwhile.
	release, err := framework.HoldExamplesDir()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(release)
	server := framework.StartTestServerWith(t, func(o *options.Options) {
		o.Controllers.Controllers = []string{"*"}
		// As make run: the examples share files there.
		o.Local.ReadWritePaths = []string{framework.ExamplesDir}
	})
	bin := kubectlML(t)

	env := append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	outputs := map[string]string{}
	for i, line := range lines {
		cmdline := line
		if strings.HasPrefix(line, "export KUBECONFIG=") {
			// The README's path is make run's; the test server has its own.
			if line != "export KUBECONFIG=$PWD/_output/standalone/kubeconfig" {
				t.Fatalf("line %d: unexpected kubeconfig line %q", i+1, line)
			}
			env = append(env, "KUBECONFIG="+server.Kubeconfig)
			continue
		}
		watch := strings.Contains(stripComment(line), " -w")
		timeout := 5 * time.Minute
		if watch {
			// A watch runs until interrupted: run it a while.
			timeout = 5 * time.Second
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		cmd := exec.CommandContext(ctx, "bash", "-o", "pipefail", "-c", cmdline)
		cmd.Dir = root
		cmd.Env = env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		err := cmd.Run()
		cancel()
		t.Logf("$ %s\n(%s)\n%s", line, time.Since(start).Round(time.Millisecond), out.String())
		switch {
		case watch && ctx.Err() != nil:
			// Stopped as a user stops it.
		case err != nil:
			t.Fatalf("line %d failed: %v\n$ %s\n%s", i+1, err, line, out.String())
		}
		outputs[stripComment(line)] = out.String()
	}

	expect := func(prefix, want string) {
		t.Helper()
		for cmd, out := range outputs {
			if strings.HasPrefix(cmd, prefix) {
				if !strings.Contains(out, want) {
					t.Errorf("%s: output lacks %q:\n%s", cmd, want, out)
				}
				return
			}
		}
		t.Errorf("no tour line starts with %q", prefix)
	}
	expect("kubectl get ml", "local-sweep-1")
	expect("kubectl get trainingjob local-train -w", "local-train")
	expect("kubectl ml logs -f trainingjob/local-train", "[replica-1] joined the master")
	expect("kubectl ml logs -f trainingjob/local-train", "[replica-0] model written to")
	expect("kubectl ml metrics trainingjob/local-train", "accuracy")
	expect("kubectl ml metrics trainingjob/local-train", "loss")
	expect("curl", `"probability"`)
	expect("kubectl get plr local-sweep-1", "best-lr")
	expect("kubectl ml logs plr/local-sweep-1 --task pick-best", "best learning rate")
	expect("kubectl describe trainingjob local-train", "Succeeded")
	expect("kubectl ml get plr/local-sweep-1", "pick-best")
	expect("kubectl get tun tuned", "12/12")
	expect("kubectl get tj -l ml.example.io/recurring-run=nightly-retrain", "nightly-retrain-")
	expect("kubectl get plr artifacts-1", "/evaluate/report")
	expect("kubectl get model artifacts-model", `"producer"`)
	expect("kubectl ml artifacts plr/artifacts-1", "Markdown")
	expect("kubectl ml artifacts get plr/artifacts-1 evaluate/report", "# Evaluation")
	expect("kubectl describe trainingjob typo", "PodFailed")
	expect("kubectl describe trainingjob typo", `exec: "pyhton3": executable file not found`)
	expect("kubectl get trainingjob typo", `last: replica typo-0: exit code 127 (StartError): exec: "pyhton3": executable file not found in $PATH`)

	// Deleting the examples stops every process they started.
	replicas := filepath.Join(server.DataDir, "workloads", "replicas")
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if left := leftovers(replicas); len(left) == 0 {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Errorf("replicas left after the delete: %v", leftovers(replicas))
}

// leftovers are the replica directories under dir.
func leftovers(dir string) []string {
	out, _ := filepath.Glob(filepath.Join(dir, "*", "*"))
	return out
}

func stripComment(line string) string {
	if i := strings.Index(line, "  #"); i >= 0 {
		line = line[:i]
	}
	return strings.TrimSpace(fmt.Sprint(line))
}
