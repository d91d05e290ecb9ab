package local

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

func waitModel(t *testing.T, ns, name string, cond func(*mlv1alpha1.Model) bool) *mlv1alpha1.Model {
	t.Helper()
	var last *mlv1alpha1.Model
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		m, err := server.Clientset().MlV1alpha1().Models(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last = m
		return cond(m), nil
	})
	if err != nil {
		t.Fatalf("model %s/%s: %v; last status %+v", ns, name, err, last.Status)
	}
	return last
}

// The example model serves what the example job trained, at status.url.
func TestExampleModelServesTheTrainedJob(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	job := exampleJob(t, ns)
	out := strings.TrimPrefix(job.Spec.OutputURI, "file://")
	if _, err := server.Clientset().MlV1alpha1().TrainingJobs(ns).Create(ctx, job, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitJob(t, ns, job.Name, 2*time.Minute, phase(mlv1alpha1.TrainingJobSucceeded))

	model := &mlv1alpha1.Model{}
	readExample(t, "2-model.yaml", model)
	model.Namespace = ns
	if _, err := server.Clientset().MlV1alpha1().Models(ns).Create(ctx, model, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ready := waitModel(t, ns, model.Name, func(m *mlv1alpha1.Model) bool { return m.Status.Phase == mlv1alpha1.ModelReady })
	if ready.Status.ModelURI != "file://"+out {
		t.Errorf("modelURI %q, want the job's output file://%s", ready.Status.ModelURI, out)
	}
	var prediction struct{ Probability float64 }
	body := httpGet(t, ready.Status.URL+"/predict?x0=0.9&x1=0.8")
	if err := json.Unmarshal([]byte(body), &prediction); err != nil || prediction.Probability < 0.5 {
		t.Errorf("prediction %q (%v): want a probability above 0.5 for 0.9+0.8 > 1", body, err)
	}

	// Scale to 2: two ready replicas behind the same URL.
	models := server.Clientset().MlV1alpha1().Models(ns)
	scaleTo(t, models, model.Name, 2)
	waitModel(t, ns, model.Name, func(m *mlv1alpha1.Model) bool { return m.Status.ReadyReplicas == 2 })
	_ = httpGet(t, ready.Status.URL+"/healthz")

	if err := models.Delete(ctx, model.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := http.Get(ready.Status.URL + "/healthz"); err != nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("the model still answers at %s after it was deleted", ready.Status.URL)
}

// httpGetEventually retries a GET for a while until it answers 200.
func httpGetEventually(t *testing.T, url string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			data, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return string(data)
			}
			err = fmt.Errorf("%s: %s", resp.Status, data)
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %s", url, resp.Status, data)
	}
	return string(data)
}

// The example notebook stops and starts with kubectl scale semantics,
// keeping its workspace.
func TestExampleNotebookKeepsItsWorkspace(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	nb := &mlv1alpha1.Notebook{}
	readExample(t, "5-notebook.yaml", nb)
	nb.Namespace = ns
	notebooks := server.Clientset().MlV1alpha1().Notebooks(ns)
	if _, err := notebooks.Create(ctx, nb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	running := waitNotebook(t, ns, nb.Name, mlv1alpha1.NotebookRunning)
	// Running means started: the server may need a moment to listen (the
	// notebook has no readiness probe).
	kernels := httpGetEventually(t, running.Status.URL+"/api/kernels")
	if !json.Valid([]byte(kernels)) {
		t.Errorf("/api/kernels answered %q", kernels)
	}
	workspace := filepath.Join(server.DataDir, "workloads", "volumes", ns)
	started := func() string {
		entries, _ := filepath.Glob(filepath.Join(workspace, "*", "started"))
		if len(entries) != 1 {
			return ""
		}
		data, _ := os.ReadFile(entries[0])
		return string(data)
	}
	if n := len(splitLines(started())); n != 1 {
		t.Fatalf("workspace 'started' file has %d lines, want 1", n)
	}

	scaleTo(t, notebooks, nb.Name, 0)
	waitNotebook(t, ns, nb.Name, mlv1alpha1.NotebookStopped)
	scaleTo(t, notebooks, nb.Name, 1)
	waitNotebook(t, ns, nb.Name, mlv1alpha1.NotebookRunning)
	deadline := time.Now().Add(30 * time.Second)
	for len(splitLines(started())) != 2 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if n := len(splitLines(started())); n != 2 {
		t.Errorf("after a stop and a start the workspace has %d starts recorded, want 2 in the same workspace", n)
	}
	if err := notebooks.Delete(ctx, nb.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(30 * time.Second)
	for started() != "" && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if started() != "" {
		t.Errorf("the workspace outlived the deleted notebook")
	}
}

func waitNotebook(t *testing.T, ns, name string, p mlv1alpha1.NotebookPhase) *mlv1alpha1.Notebook {
	t.Helper()
	var last *mlv1alpha1.Notebook
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		nb, err := server.Clientset().MlV1alpha1().Notebooks(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last = nb
		return nb.Status.Phase == p, nil
	})
	if err != nil {
		t.Fatalf("notebook %s/%s never %s: %v; last status %+v", ns, name, p, err, last.Status)
	}
	return last
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := range len(s) {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}
