package local

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// defaultServingRuntimes is artifacts/deploy/serving-runtimes of the repository.
const defaultServingRuntimes = "../../../artifacts/deploy/serving-runtimes"

// A Model that names only its format (the example 2b-model-format.yaml,
// format json) is served, as real host
// processes, by the default sklearn-server ClusterServingRuntime: status
// names the runtime and the server answers predictions. A format no
// runtime supports leaves a Model Failed with a condition naming it.
func TestModelByFormatServedByDefaultRuntime(t *testing.T) {
	ctx := context.Background()
	ns := framework.NewNamespace(t)
	client := server.Clientset().MlV1alpha1()

	rt := &mlv1alpha1.ClusterServingRuntime{}
	data, err := os.ReadFile(filepath.Join(defaultServingRuntimes, "sklearn-server.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, rt); err != nil {
		t.Fatalf("sklearn-server.yaml: %v", err)
	}
	if _, err := client.ClusterServingRuntimes().Create(ctx, rt, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = client.ClusterServingRuntimes().Delete(context.Background(), rt.Name, metav1.DeleteOptions{})
	})

	dir := framework.SharedDir(t)
	modelFile := filepath.Join(dir, "model.json")
	if err := os.WriteFile(modelFile, []byte(`{"w0": 3, "w1": 3, "b": -3}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// The example, serving a file instead of the example job's output.
	model := &mlv1alpha1.Model{}
	readExample(t, "2b-model-format.yaml", model)
	model.Namespace = ns
	model.Spec.Source = mlv1alpha1.ModelSource{URI: "file://" + modelFile}
	if _, err := client.Models(ns).Create(ctx, model, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ready := waitModel(t, ns, model.Name, func(m *mlv1alpha1.Model) bool { return m.Status.Phase == mlv1alpha1.ModelReady })
	if ready.Spec.Format != "json" {
		t.Errorf("the example's format is %q, want json", ready.Spec.Format)
	}
	if r := ready.Status.Runtime; r == nil || r.Kind != mlv1alpha1.ClusterServingRuntimeKind || r.Name != "sklearn-server" {
		t.Errorf("status.runtime %+v, want ClusterServingRuntime sklearn-server", r)
	}
	if ready.Spec.Runtime.ReadinessProbe == nil || ready.Spec.Runtime.ReadinessProbe.HTTPGet == nil {
		t.Errorf("spec.runtime %+v: want the runtime's HTTP readiness probe snapshotted", ready.Spec.Runtime)
	}

	var prediction struct{ Probability float64 }
	body := httpGetEventually(t, ready.Status.URL+"/predict?x0=0.9&x1=0.8")
	if err := json.Unmarshal([]byte(body), &prediction); err != nil || prediction.Probability < 0.5 {
		t.Errorf("GET /predict answered %q (%v): want a probability above 0.5", body, err)
	}
	infer := `{"inputs": [{"name": "x", "shape": [2, 2], "datatype": "FP64", "data": [0.9, 0.8, 0.0, 0.1]}]}`
	resp, err := http.Post(ready.Status.URL+"/v2/models/"+model.Name+"/infer", "application/json", bytes.NewBufferString(infer))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Outputs []struct{ Data []float64 }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK ||
		len(out.Outputs) != 1 || len(out.Outputs[0].Data) != 2 || out.Outputs[0].Data[0] < 0.5 || out.Outputs[0].Data[1] > 0.5 {
		t.Errorf("v2 infer: %s %+v (%v): want two predictions, above and below 0.5", resp.Status, out, err)
	}

	// The same file as format sklearn, the runtime's first format.
	iris := model.DeepCopy()
	iris.Name, iris.Spec.Format = "iris", "sklearn"
	if _, err := client.Models(ns).Create(ctx, iris, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	irisReady := waitModel(t, ns, iris.Name, func(m *mlv1alpha1.Model) bool { return m.Status.Phase == mlv1alpha1.ModelReady })
	if r := irisReady.Status.Runtime; r == nil || r.Name != "sklearn-server" {
		t.Errorf("status.runtime of the sklearn Model %+v, want sklearn-server", r)
	}
	body = httpGetEventually(t, irisReady.Status.URL+"/predict?x0=0.1&x1=0.0")
	if err := json.Unmarshal([]byte(body), &prediction); err != nil || prediction.Probability > 0.5 {
		t.Errorf("GET /predict of the sklearn Model answered %q (%v): want a probability below 0.5", body, err)
	}

	// Deleting the runtime in use is allowed with a Warning naming the
	// Models, which keep serving.
	cfg := rest.CopyConfig(server.ClientConfig)
	warnings := &recordedWarnings{}
	cfg.WarningHandler = warnings
	warned, err := mlclientset.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := warned.MlV1alpha1().ClusterServingRuntimes().Delete(ctx, rt.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete the runtime in use: %v", err)
	}
	warnings.mu.Lock()
	got := strings.Join(warnings.texts, "\n")
	warnings.mu.Unlock()
	if !strings.Contains(got, ns+"/"+iris.Name) || !strings.Contains(got, ns+"/"+model.Name) {
		t.Errorf("deleting the runtime warned %q, want the Models %s and %s named", got, model.Name, iris.Name)
	}
	_ = httpGet(t, irisReady.Status.URL+"/v2/health/ready")

	// No runtime for onnx: created, then Failed naming the format.
	onnx := model.DeepCopy()
	onnx.Name, onnx.ResourceVersion = "no-server", ""
	onnx.Spec.Format, onnx.Spec.FormatVersion = "onnx", "1.15"
	if _, err := client.Models(ns).Create(ctx, onnx, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	failed := waitModel(t, ns, onnx.Name, func(m *mlv1alpha1.Model) bool { return m.Status.Phase == mlv1alpha1.ModelFailed })
	c := meta.FindStatusCondition(failed.Status.Conditions, "RuntimeResolved")
	if c == nil || c.Reason != "NoServingRuntime" || !strings.Contains(c.Message, `format "onnx" version "1.15"`) {
		t.Errorf("RuntimeResolved = %+v, want NoServingRuntime naming onnx 1.15", c)
	}
}

// recordedWarnings records the Warning headers a client receives.
type recordedWarnings struct {
	mu    sync.Mutex
	texts []string
}

func (w *recordedWarnings) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.texts = append(w.texts, text)
}
