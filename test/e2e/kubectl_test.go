package e2e

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"ml.example.io/ml-apiserver/test/e2e/framework"
)

// exampleObjects are the objects of artifacts/examples, as kubectl names
// them.
var exampleObjects = []string{
	"pipeline.ml.example.io/train-eval",
	"pipelinerun.ml.example.io/train-eval-1",
	"trainingjob.ml.example.io/mnist-ddp",
	"model.ml.example.io/mnist",
	"notebook.ml.example.io/scratch",
}

// TestKubectl runs a kubectl user's workflow through kube-apiserver with the
// newest installed kubectl and kubectl 1.27, each in a namespace of its own.
func TestKubectl(t *testing.T) {
	examples := filepath.Join(cluster.Root(), "artifacts", "examples")
	for _, k := range cluster.Kubectls(t) {
		t.Run(k.Name(), func(t *testing.T) {
			ns := cluster.Namespace(t)
			if !t.Run("apply --server-side", func(t *testing.T) { testServerSideApply(t, k, examples, ns) }) {
				return
			}
			t.Run("get ml -A", func(t *testing.T) { testGetAll(t, k, ns) })
			t.Run("describe", func(t *testing.T) { testDescribe(t, k, ns) })
			t.Run("wait", func(t *testing.T) { testWait(t, k, examples, ns) })
		})
	}
}

func testServerSideApply(t *testing.T, k framework.Kubectl, examples, ns string) {
	out := k.MustRun(t, "apply", "--server-side", "-f", examples, "-n", ns)
	for _, o := range exampleObjects {
		if !strings.Contains(out, o+" serverside-applied") {
			t.Errorf("apply --server-side -f %s: want %q serverside-applied, got:\n%s", examples, o, out)
		}
	}
	managers := k.MustRun(t, "get", "trainingjob", "mnist-ddp", "-n", ns, "--show-managed-fields",
		"-o", `jsonpath={range .metadata.managedFields[*]}{.manager}/{.operation}{"\n"}{end}`)
	if !regexp.MustCompile(`(?m)^kubectl/Apply$`).MatchString(managers) {
		t.Errorf("managedFields of mnist-ddp: want manager kubectl with operation Apply, got:\n%s", managers)
	}
	// Applying the same manifests again changes no spec (a controller may
	// write the status meanwhile, so the generation is what must stay).
	generation := func() string {
		return k.MustRun(t, "get", "trainingjob", "mnist-ddp", "-n", ns, "-o", "jsonpath={.metadata.generation}")
	}
	before := generation()
	k.MustRun(t, "apply", "--server-side", "-f", examples, "-n", ns)
	if after := generation(); before != "1" || after != before {
		t.Errorf("a second identical apply --server-side: generation of mnist-ddp %s -> %s, want 1 -> 1", before, after)
	}
}

func testGetAll(t *testing.T, k framework.Kubectl, ns string) {
	out := k.MustRun(t, "get", "ml", "-A")
	for _, o := range exampleObjects {
		// -A puts the namespace in the first column.
		re := `(?m)^` + regexp.QuoteMeta(ns) + `\s+` + regexp.QuoteMeta(o) + `\s`
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("get ml -A: want a row for %s in %s, got:\n%s", o, ns, out)
		}
	}
	if !regexp.MustCompile(`(?m)^NAMESPACE\s+NAME\s+PHASE\s+REPLICAS\s+READY\s+AGE\s*$`).MatchString(out) {
		t.Errorf("get ml -A: want the TrainingJob table columns NAMESPACE NAME PHASE REPLICAS READY AGE, got:\n%s", out)
	}
}

func testDescribe(t *testing.T, k framework.Kubectl, ns string) {
	out := k.MustRun(t, "describe", "trainingjob", "mnist-ddp", "-n", ns)
	for _, re := range []string{
		`(?m)^Name:\s+mnist-ddp$`,
		`(?m)^Namespace:\s+` + regexp.QuoteMeta(ns) + `$`,
		`(?m)^API Version:\s+ml.example.io/v1alpha1$`,
		`(?m)^Kind:\s+TrainingJob$`,
		`(?m)^\s+Framework:\s+PyTorch$`,
		`(?m)^\s+Image:\s+pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime$`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("describe trainingjob mnist-ddp: want a line matching %s, got:\n%s", re, out)
		}
	}
}

// testWait starts `kubectl wait --for=jsonpath={.spec.replicas}=3` while
// the job has 2 replicas; it must return only after a server-side apply
// sets 3. An unmet condition must time out with an error.
func testWait(t *testing.T, k framework.Kubectl, examples, ns string) {
	r := k.Run(t, "wait", "--for=jsonpath={.spec.replicas}=5", "trainingjob/mnist-ddp", "-n", ns, "--timeout=2s")
	if r.Err == nil {
		t.Fatalf("wait for replicas=5 succeeded while the job has 2:\n%s", r.Stdout)
	}
	if !strings.Contains(r.Stderr, "timed out") {
		t.Errorf("wait for an unmet condition: want a timeout error, got:\n%s", r.Stderr)
	}

	ctx, cancel := context.WithTimeout(t.Context(), longTimeout)
	defer cancel()
	done := make(chan framework.Result, 1)
	go func() {
		done <- k.RunContext(ctx, t, "wait", "--for=jsonpath={.spec.replicas}=3", "trainingjob/mnist-ddp", "-n", ns, "--timeout=90s")
	}()
	select {
	case r := <-done:
		t.Fatalf("wait for replicas=3 returned while the job has 2 replicas: err=%v\n%s%s", r.Err, r.Stdout, r.Stderr)
	case <-time.After(2 * time.Second):
	}

	orig, err := os.ReadFile(filepath.Join(examples, "trainingjob.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(orig), "\n  replicas: 2\n"); n != 1 {
		t.Fatalf("trainingjob.yaml: want one spec line \"replicas: 2\" to change, found %d", n)
	}
	changed := filepath.Join(t.TempDir(), "trainingjob.yaml")
	if err := os.WriteFile(changed, []byte(strings.Replace(string(orig), "\n  replicas: 2\n", "\n  replicas: 3\n", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	k.MustRun(t, "apply", "--server-side", "-f", changed, "-n", ns)

	select {
	case r := <-done:
		if r.Err != nil {
			t.Fatalf("wait for replicas=3: %v\n%s%s", r.Err, r.Stdout, r.Stderr)
		}
		if !strings.Contains(r.Stdout, "trainingjob.ml.example.io/mnist-ddp condition met") {
			t.Errorf("wait for replicas=3: want \"condition met\", got:\n%s", r.Stdout)
		}
	case <-ctx.Done():
		t.Fatalf("wait for replicas=3 did not return after the apply")
	}
}
