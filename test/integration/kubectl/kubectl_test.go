// Package kubectl tests ml-apiserver with the real kubectl binaries of the
// machine (every kubectl.1.N installed next to kubectl), run as subprocesses
// against one in-process standalone server.
package kubectl

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"

	"ml.example.io/ml-apiserver/test/integration/framework"
)

// The objects of artifacts/examples, as kubectl names them.
var exampleObjects = []string{
	"pipeline.ml.example.io/train-eval",
	"pipelinerun.ml.example.io/train-eval-1",
	"trainingjob.ml.example.io/mnist-ddp",
	"model.ml.example.io/mnist",
	"notebook.ml.example.io/scratch",
}

// TestKubectl runs the workflow of a kubectl user with every installed
// kubectl version, each in its own namespace, against one server.
func TestKubectl(t *testing.T) {
	bins := findKubectls(t)
	examples := examplesDir(t)
	s := framework.StartTestServer(t)
	anonymous := anonymousKubeconfig(t, s.Kubeconfig)

	for _, v := range sortedKeys(bins) {
		k := kubectl{version: v, path: bins[v], kubeconfig: s.Kubeconfig, home: t.TempDir()}
		ns := "kubectl-" + strings.ReplaceAll(v, ".", "-")
		t.Run("kubectl-"+v, func(t *testing.T) {
			t.Parallel()
			t.Run("anonymous refused", func(t *testing.T) { testAnonymous(t, k, anonymous, ns) })
			if !t.Run("apply", func(t *testing.T) { testApply(t, k, examples, ns) }) {
				return
			}
			t.Run("apply again", func(t *testing.T) { testReapply(t, k, examples, ns) })
			t.Run("get ml", func(t *testing.T) { testGetCategory(t, k, ns) })
			t.Run("short names", func(t *testing.T) { testShortNames(t, k, ns) })
			t.Run("get wide", func(t *testing.T) { testGetWide(t, k, ns) })
			t.Run("describe", func(t *testing.T) { testDescribe(t, k, ns) })
			t.Run("explain", func(t *testing.T) { testExplain(t, k) })
			t.Run("server-side apply", func(t *testing.T) { testServerSideApply(t, k, examples, ns) })
			t.Run("delete", func(t *testing.T) { testDelete(t, k, examples, ns) })
		})
	}
}

// examplesDir is artifacts/examples of the repository, found from this file.
func examplesDir(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test source file")
	}
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "artifacts", "examples")
	if _, err := os.Stat(filepath.Join(dir, "trainingjob.yaml")); err != nil {
		t.Fatalf("examples: %v", err)
	}
	return dir
}

// anonymousKubeconfig writes a copy of kubeconfig without the client
// certificate, so requests made with it are anonymous.
func anonymousKubeconfig(t *testing.T, kubeconfig string) string {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(kubeconfig)
	if err != nil {
		t.Fatalf("load kubeconfig: %v", err)
	}
	for _, a := range cfg.AuthInfos {
		a.ClientCertificate, a.ClientCertificateData = "", nil
		a.ClientKey, a.ClientKeyData = "", nil
	}
	path := filepath.Join(t.TempDir(), "anonymous.kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatalf("write anonymous kubeconfig: %v", err)
	}
	return path
}

// unauthorized is how kubectl reports a 401: older versions print the
// status message (Unauthorized), newer ones client-go's wording.
var unauthorized = regexp.MustCompile(`You must be logged in to the server \((Unauthorized|the server has asked for the client to provide credentials)\)`)

func testAnonymous(t *testing.T, k kubectl, anonymous, ns string) {
	// Given a user entry without any credential kubectl prompts for a
	// username and password instead of sending the request; a username
	// (basic authentication, which the server does not accept) makes it
	// send the request without a client certificate.
	r := k.run(t, "--kubeconfig", anonymous, "--username", "nobody", "get", "trainingjobs", "-n", ns)
	if r.err == nil {
		t.Fatalf("get trainingjobs without a client certificate succeeded:\n%s", r.stdout)
	}
	if !unauthorized.MatchString(r.stderr) {
		t.Errorf("get trainingjobs without a client certificate: want kubectl's Unauthorized (401) error, got:\n%s", r.stderr)
	}
}

func testApply(t *testing.T, k kubectl, examples, ns string) {
	out := k.mustRun(t, "apply", "-f", examples, "-n", ns)
	for _, o := range exampleObjects {
		if !strings.Contains(out, o+" created") {
			t.Errorf("apply -f %s: want %q created, got:\n%s", examples, o, out)
		}
	}
}

func testReapply(t *testing.T, k kubectl, examples, ns string) {
	// A second client-side apply of the same files must find nothing to
	// change: the server keeps the values as written (a duration "1h"
	// stays "1h"), or every apply reports the objects as configured.
	out := k.mustRun(t, "apply", "-f", examples, "-n", ns)
	for _, o := range exampleObjects {
		if !strings.Contains(out, o+" unchanged") {
			t.Errorf("second apply -f %s: want %q unchanged, got:\n%s", examples, o, out)
		}
	}
}

func testGetCategory(t *testing.T, k kubectl, ns string) {
	out := k.mustRun(t, "get", "ml", "-n", ns)
	for _, o := range exampleObjects {
		if !strings.Contains(out, o) {
			t.Errorf("get ml: want %s listed, got:\n%s", o, out)
		}
	}
}

func testShortNames(t *testing.T, k kubectl, ns string) {
	for short, name := range map[string]string{
		"pl": "train-eval", "plr": "train-eval-1", "tj": "mnist-ddp", "mdl": "mnist", "nb": "scratch",
	} {
		out := k.mustRun(t, "get", short, "-n", ns)
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\s`).MatchString(out) {
			t.Errorf("get %s: want a row for %s, got:\n%s", short, name, out)
		}
	}
}

func testGetWide(t *testing.T, k kubectl, ns string) {
	normal := headers(k.mustRun(t, "get", "trainingjobs", "-n", ns))
	out := k.mustRun(t, "get", "trainingjobs", "-o", "wide", "-n", ns)
	wide := headers(out)
	for _, h := range []string{"NAME", "FRAMEWORK", "IMAGE"} {
		if !contains(wide, h) {
			t.Errorf("get trainingjobs -o wide: want column %s, got %v", h, wide)
		}
	}
	if len(wide) <= len(normal) {
		t.Errorf("get trainingjobs -o wide: want more columns than %v, got %v", normal, wide)
	}
	for _, cell := range []string{"mnist-ddp", "PyTorch", "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime"} {
		if !strings.Contains(out, cell) {
			t.Errorf("get trainingjobs -o wide: want %q in the row, got:\n%s", cell, out)
		}
	}
}

// headers are the column names of kubectl's table output.
func headers(out string) []string {
	line, _, _ := strings.Cut(out, "\n")
	return regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(line), -1)
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func testDescribe(t *testing.T, k kubectl, ns string) {
	out := k.mustRun(t, "describe", "trainingjob", "mnist-ddp", "-n", ns)
	for _, re := range []string{
		`(?m)^Name:\s+mnist-ddp$`,
		`(?m)^Namespace:\s+` + ns + `$`,
		`(?m)^API Version:\s+ml.example.io/v1alpha1$`,
		`(?m)^Kind:\s+TrainingJob$`,
		`(?m)^\s+Framework:\s+PyTorch$`,
		`(?m)^\s+Replicas:\s+2$`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("describe trainingjob mnist-ddp: want a line matching %s, got:\n%s", re, out)
		}
	}
}

func testExplain(t *testing.T, k kubectl) {
	out := k.mustRun(t, "explain", "trainingjobs.spec.replicas")
	flat := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{
		"KIND: TrainingJob",
		"VERSION: v1alpha1",
		"replicas <integer>",
		"Replicas is the number of workers (default 1).",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("explain trainingjobs.spec.replicas: want %q, got:\n%s", want, out)
		}
	}
}

func testServerSideApply(t *testing.T, k kubectl, examples, ns string) {
	orig, err := os.ReadFile(filepath.Join(examples, "trainingjob.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(orig), "\n  replicas: 2\n"); n != 1 {
		t.Fatalf("trainingjob.yaml: want one spec line \"replicas: 2\" to change, found %d", n)
	}
	dir := t.TempDir()
	changed := filepath.Join(dir, "trainingjob.yaml")
	writeFile(t, changed, strings.Replace(string(orig), "\n  replicas: 2\n", "\n  replicas: 3\n", 1))
	k.mustRun(t, "apply", "--server-side", "-f", changed, "-n", ns)
	if got := replicas(t, k, ns); got != "3" {
		t.Fatalf("after apply --server-side: spec.replicas = %q, want 3", got)
	}

	// Another field manager wanting a different value for a field kubectl
	// owns is refused until it forces the conflict.
	other := filepath.Join(dir, "replicas.yaml")
	writeFile(t, other, `apiVersion: ml.example.io/v1alpha1
kind: TrainingJob
metadata:
  name: mnist-ddp
spec:
  replicas: 4
`)
	r := k.run(t, "apply", "--server-side", "--field-manager", "autoscaler", "-f", other, "-n", ns)
	if r.err == nil {
		t.Fatalf("conflicting apply --server-side by a second manager succeeded:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "conflict") || !strings.Contains(r.stderr, ".spec.replicas") {
		t.Errorf("conflicting apply: want a conflict on .spec.replicas, got:\n%s", r.stderr)
	}
	if got := replicas(t, k, ns); got != "3" {
		t.Errorf("after a refused apply: spec.replicas = %q, want 3", got)
	}
	k.mustRun(t, "apply", "--server-side", "--field-manager", "autoscaler", "--force-conflicts", "-f", other, "-n", ns)
	if got := replicas(t, k, ns); got != "4" {
		t.Errorf("after apply --force-conflicts: spec.replicas = %q, want 4", got)
	}
	managers := k.mustRun(t, "get", "trainingjob", "mnist-ddp", "-n", ns, "-o", "jsonpath={.metadata.managedFields[*].manager}")
	if !contains(strings.Fields(managers), "autoscaler") {
		t.Errorf("managedFields managers = %q, want autoscaler among them", managers)
	}
}

func replicas(t *testing.T, k kubectl, ns string) string {
	t.Helper()
	return k.mustRun(t, "get", "tj", "mnist-ddp", "-n", ns, "-o", "jsonpath={.spec.replicas}")
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func testDelete(t *testing.T, k kubectl, examples, ns string) {
	out := k.mustRun(t, "delete", "-f", examples, "-n", ns)
	for _, o := range exampleObjects {
		// kubectl prints deletions as kind.group "name" deleted.
		resource, name, _ := strings.Cut(o, "/")
		if want := resource + " \"" + name + "\" deleted"; !strings.Contains(out, want) {
			t.Errorf("delete -f %s: want %q, got:\n%s", examples, want, out)
		}
	}
	r := k.run(t, "get", "ml", "-n", ns)
	if r.err != nil {
		t.Fatalf("get ml after delete: %v\n%s", r.err, r.stderr)
	}
	if strings.TrimSpace(r.stdout) != "" || !strings.Contains(r.stderr, "No resources found") {
		t.Errorf("get ml after delete: want no resources, got stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
}
