package scale

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

// TestKubectlScale runs `kubectl scale` with every kubectl installed on the
// machine (kubectl and each kubectl.1.N next to it), each in a namespace of
// its own.
func TestKubectlScale(t *testing.T) {
	for _, k := range findKubectls(t) {
		t.Run("kubectl-"+k.version, func(t *testing.T) {
			t.Parallel()
			ns := "kubectl-scale-" + strings.ReplaceAll(k.version, ".", "-")
			k.mustRun(t, "apply", "-n", ns, "-f", writeManifests(t))
			t.Run("trainingjob", func(t *testing.T) { testKubectlScaleTrainingJob(t, k, ns) })
			t.Run("notebook", func(t *testing.T) { testKubectlScaleNotebook(t, k, ns) })
			t.Run("model", func(t *testing.T) { testKubectlScaleModel(t, k, ns) })
		})
	}
}

// manifests are the objects the kubectl tests scale: an elastic job, a job
// that is not elastic, a notebook and a model.
const manifests = `apiVersion: ml.example.io/v1alpha1
kind: TrainingJob
metadata:
  name: elastic
spec:
  image: python:3.12
  command: [python, train.py]
  replicas: 2
  elastic:
    minReplicas: 1
    maxReplicas: 4
---
apiVersion: ml.example.io/v1alpha1
kind: TrainingJob
metadata:
  name: fixed
spec:
  image: python:3.12
  command: [python, train.py]
  replicas: 2
---
apiVersion: ml.example.io/v1alpha1
kind: Notebook
metadata:
  name: scratch
spec:
  image: quay.io/jupyter/minimal-notebook:2024-12-23
---
apiVersion: ml.example.io/v1alpha1
kind: Model
metadata:
  name: mnist
spec:
  source:
    uri: s3://models/mnist
  runtime:
    image: pytorch/torchserve:0.12.0-cpu
  replicas: 1
`

func writeManifests(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "objects.yaml")
	writeFile(t, path, manifests)
	return path
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func testKubectlScaleTrainingJob(t *testing.T, k kubectl, ns string) {
	out := k.mustRun(t, "scale", "trainingjob/elastic", "--replicas=3", "-n", ns)
	if !strings.Contains(out, "trainingjob.ml.example.io/elastic scaled") {
		t.Errorf("scale inside the bounds: want the job scaled, got:\n%s", out)
	}
	if got := k.jsonpath(t, ns, "trainingjob/elastic", "{.spec.replicas} {.metadata.generation}"); got != "3 2" {
		t.Errorf("spec.replicas and generation after the scale = %q, want \"3 2\"", got)
	}

	r := k.run(t, "scale", "trainingjob/elastic", "--replicas=5", "-n", ns)
	if r.err == nil {
		t.Errorf("scale above spec.elastic.maxReplicas succeeded:\n%s", r.stdout)
	}
	for _, want := range []string{"spec.replicas", "spec.elastic.minReplicas (1)", "spec.elastic.maxReplicas (4)"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("scale above the bounds: want %q in the error, got:\n%s", want, r.stderr)
		}
	}
	r = k.run(t, "scale", "trainingjob/fixed", "--replicas=3", "-n", ns)
	if r.err == nil || !strings.Contains(r.stderr, "spec.replicas") || !strings.Contains(r.stderr, "set spec.elastic") {
		t.Errorf("scale of a job that is not elastic: want an error saying to set spec.elastic, got err %v:\n%s", r.err, r.stderr)
	}
	if got := k.jsonpath(t, ns, "trainingjob/elastic", "{.spec.replicas}"); got != "3" {
		t.Errorf("spec.replicas after refused scales = %q, want 3", got)
	}

	out = k.mustRun(t, "get", "trainingjob", "elastic", "--subresource=scale", "-n", ns)
	if !regexp.MustCompile(`(?m)^NAME\s+DESIRED\s+AVAILABLE\s+AGE\n(elastic)\s+3\s+0\s`).MatchString(out) {
		t.Errorf("get --subresource=scale: want NAME DESIRED AVAILABLE AGE with elastic 3 0, got:\n%s", out)
	}
}

func testKubectlScaleNotebook(t *testing.T, k kubectl, ns string) {
	k.mustRun(t, "scale", "notebook/scratch", "--replicas=0", "-n", ns)
	if got := k.jsonpath(t, ns, "notebook/scratch", "{.spec.replicas} {.spec.stopped}"); got != "0 true" {
		t.Errorf("after scaling to 0: spec.replicas and spec.stopped = %q, want \"0 true\"", got)
	}
	k.mustRun(t, "scale", "notebook/scratch", "--replicas=1", "-n", ns)
	// spec.stopped is omitted when false.
	if got := k.jsonpath(t, ns, "notebook/scratch", "{.spec.replicas} {.spec.stopped}"); got != "1 " && got != "1 false" {
		t.Errorf("after scaling to 1: spec.replicas and spec.stopped = %q, want 1 and not stopped", got)
	}
	r := k.run(t, "scale", "notebook/scratch", "--replicas=2", "-n", ns)
	if r.err == nil || !strings.Contains(r.stderr, "spec.replicas") || !strings.Contains(r.stderr, "must be 0 or 1") {
		t.Errorf("scale a notebook to 2: want an error saying 0 or 1, got err %v:\n%s", r.err, r.stderr)
	}
}

func testKubectlScaleModel(t *testing.T, k kubectl, ns string) {
	k.mustRun(t, "scale", "model/mnist", "--replicas=3", "-n", ns)
	if got := k.jsonpath(t, ns, "model/mnist", "{.spec.replicas}"); got != "3" {
		t.Errorf("spec.replicas after the scale = %q, want 3", got)
	}
	// kubectl's field manager owns spec.replicas through the scale
	// subresource; whoever applies another count conflicts with it.
	entries := k.jsonpath(t, ns, "model/mnist", `{range .metadata.managedFields[*]}{.manager}{"|"}{.subresource}{"|"}{.fieldsV1}{"\n"}{end}`)
	scaleOwner := ""
	for _, line := range strings.Split(entries, "\n") {
		parts := strings.SplitN(line, "|", 3)
		if len(parts) == 3 && parts[1] == "scale" && strings.Contains(parts[2], `"f:replicas"`) {
			scaleOwner = parts[0]
		}
	}
	if scaleOwner == "" {
		t.Fatalf("no managed fields entry of the scale subresource owns spec.replicas:\n%s", entries)
	}
	replicas := filepath.Join(t.TempDir(), "replicas.yaml")
	writeFile(t, replicas, `apiVersion: ml.example.io/v1alpha1
kind: Model
metadata:
  name: mnist
spec:
  replicas: 5
`)
	r := k.run(t, "apply", "--server-side", "--field-manager", "deployer", "-f", replicas, "-n", ns)
	if r.err == nil {
		t.Errorf("apply of another spec.replicas after a scale succeeded:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, ".spec.replicas") || !strings.Contains(r.stderr, `conflict with "`+scaleOwner+`" with subresource "scale"`) {
		t.Errorf("apply after a scale: want a conflict with %s on .spec.replicas, got:\n%s", scaleOwner, r.stderr)
	}
	if got := k.jsonpath(t, ns, "model/mnist", "{.spec.replicas}"); got != "3" {
		t.Errorf("spec.replicas after a refused apply = %q, want 3", got)
	}
}

// kubectl runs one kubectl binary with its own KUBECONFIG and HOME, so its
// discovery and OpenAPI caches never leak between versions or runs.
type kubectl struct {
	version, path, home string
}

// result is the outcome of one kubectl command.
type result struct {
	stdout, stderr string
	err            error
}

// findKubectls returns the kubectl on PATH and every kubectl.1.N installed
// next to it, by version; it skips the test when kubectl is not installed.
func findKubectls(t *testing.T) []kubectl {
	t.Helper()
	onPath, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skipf("kubectl is not installed: %v", err)
	}
	real, err := filepath.EvalSymlinks(onPath)
	if err != nil {
		t.Fatalf("resolve %s: %v", onPath, err)
	}
	found := map[string]string{"default": onPath}
	matches, err := filepath.Glob(filepath.Join(filepath.Dir(real), "kubectl.1.*"))
	if err != nil {
		t.Fatal(err)
	}
	versionRE := regexp.MustCompile(`^kubectl\.(1\.[0-9]+)$`)
	for _, m := range matches {
		if v := versionRE.FindStringSubmatch(filepath.Base(m)); v != nil {
			found[v[1]] = m
		}
	}
	var out []kubectl
	for v, path := range found {
		out = append(out, kubectl{version: v, path: path, home: t.TempDir()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out
}

// run runs kubectl with args and returns what it printed.
func (k kubectl) run(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(k.path, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+server.Kubeconfig, "HOME="+k.home)
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

// jsonpath prints fields of object with a jsonpath template.
func (k kubectl) jsonpath(t *testing.T, ns, object, template string) string {
	t.Helper()
	return k.mustRun(t, "get", object, "-n", ns, "-o", "jsonpath="+template)
}
