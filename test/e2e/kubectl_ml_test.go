package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// kubectlML runs `kubectl ml args...` through the machine's kubectl, which
// finds the plugin on PATH, with the admin kubeconfig.
func kubectlML(ctx context.Context, t *testing.T, kubectl, pluginDir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(ctx, kubectl, append([]string{"ml"}, args...)...)
	cmd.Env = append(os.Environ(),
		"PATH="+pluginDir+string(os.PathListSeparator)+os.Getenv("PATH"),
		"KUBECONFIG="+cluster.Kubeconfig,
		"HOME="+t.TempDir())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	t.Logf("kubectl ml %s (%s, err=%v)\n%s", strings.Join(args, " "), time.Since(start).Round(time.Millisecond), err, out.String())
	return out.String(), err
}

// buildPlugin builds kubectl-ml into a directory to put on PATH.
func buildPlugin(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "kubectl-ml"), "./cmd/kubectl-ml")
	cmd.Dir = cluster.Root()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build kubectl-ml: %v\n%s", err, out)
	}
	return dir
}

// TestKubectlML follows a running TrainingJob's logs with `kubectl ml logs
// -f` until the job ends, and prints its metrics with `kubectl ml
// metrics`, through kube-apiserver.
func TestKubectlML(t *testing.T) {
	if cluster.LocalUpDir == "" {
		t.Skip("pod logs need kwok's log files: a local-up cluster")
	}
	ctx := testContext(t, 4*time.Minute)
	e := newTJEnv(t)
	plugin := buildPlugin(t)
	const name = "plugin"
	pods := podNames(name, 2)
	podLogFiles(ctx, t, e.ns, map[string]string{
		pods[0]: criLines("epoch=1 loss=0.9", "epoch=2 loss=0.4"),
		pods[1]: criLines("worker ready"),
	})
	job := mltesting.NewTrainingJob(name, e.ns).Replicas(2).Obj()
	job.Spec.Metrics = &mlv1alpha1.MetricsSpec{Collector: mlv1alpha1.MetricsCollectorPush}
	e.create(ctx, t, job)
	e.waitRunning(ctx, t, name, pods...)

	// Follow; the job's pods end a moment later, and so does the stream.
	followed := make(chan string, 1)
	go func() {
		out, err := kubectlML(ctx, t, e.kubectl.Path, plugin, "-n", e.ns, "logs", "-f", "trainingjob/"+name)
		if err != nil {
			out += fmt.Sprintf("\n(exit: %v)", err)
		}
		followed <- out
	}()
	time.Sleep(3 * time.Second)
	e.exitPods(t, 0, "", pods...)
	select {
	case out := <-followed:
		for _, want := range []string{"[replica-0] epoch=1 loss=0.9\n", "[replica-0] epoch=2 loss=0.4\n", "[replica-1] worker ready\n"} {
			if !strings.Contains(out, want) {
				t.Errorf("kubectl ml logs -f lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "(exit:") {
			t.Errorf("kubectl ml logs -f failed:\n%s", out)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("kubectl ml logs -f did not end after the job's pods ended")
	}

	out, err := kubectlML(ctx, t, e.kubectl.Path, plugin, "-n", e.ns, "logs", "tj/"+name, "--replica", "1")
	if err != nil || out != "worker ready\n" {
		t.Errorf("kubectl ml logs --replica 1: %q, %v", out, err)
	}

	// Push three points as a job's pod would, then print them.
	body := `{"apiVersion":"ml.example.io/v1alpha1","kind":"Metrics","series":[{"name":"loss","points":[{"step":1,"value":0.9},{"step":2,"value":0.4},{"step":3,"value":0.2}]}]}`
	if err := e.ml.MlV1alpha1().RESTClient().Post().Namespace(e.ns).Resource("trainingjobs").Name(name).
		SubResource("metrics").Body([]byte(body)).SetHeader("Content-Type", "application/json").Do(ctx).Error(); err != nil {
		t.Fatalf("push metrics: %v", err)
	}
	out, err = kubectlML(ctx, t, e.kubectl.Path, plugin, "-n", e.ns, "metrics", "trainingjob/"+name)
	if err != nil {
		t.Fatalf("kubectl ml metrics: %v", err)
	}
	for _, want := range []string{"NAME", "loss", "0.2 ", "0.2 (step 3)", "0.9 (step 1)", "step 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("kubectl ml metrics lacks %q:\n%s", want, out)
		}
	}
	out, err = kubectlML(ctx, t, e.kubectl.Path, plugin, "-n", e.ns, "metrics", "trainingjob/"+name, "-o", "json")
	if err != nil || !strings.Contains(out, `"kind": "Metrics"`) {
		t.Errorf("kubectl ml metrics -o json: %v\n%s", err, out)
	}
}
