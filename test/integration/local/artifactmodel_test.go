package local

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// serveModelScript serves predictions of the logistic model in the file
// $ML_MODEL_PATH/model (a file artifact named model), on $PORT.
const serveModelScript = `import http.server, json, math, os, urllib.parse
model = json.load(open(os.path.join(os.environ["ML_MODEL_PATH"], "model")))
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        z = model["w0"] * float(q.get("x0", ["0"])[0]) + model["w1"] * float(q.get("x1", ["0"])[0]) + model["b"]
        body = json.dumps({"probability": 1 / (1 + math.exp(-z))}).encode()
        self.send_response(200); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("", int(os.environ["PORT"])), H).serve_forever()`

// A pipeline task writes a model artifact; a Model of that artifact serves
// predictions from the files the runtime put in place, and names the
// artifact and its producer in status.source; the run's artifacts
// subresource lists the artifact and downloads it byte for byte; a source
// that does not exist fails its Model, naming the URI.
func TestModelFromPipelineRunArtifact(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	ml := server.Clientset().MlV1alpha1()
	written := filepath.Join(framework.SharedDir(t), "written")
	run := &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "run"},
		Spec: mlv1alpha1.PipelineRunSpec{PipelineSpec: &mlv1alpha1.PipelineSpec{Tasks: []mlv1alpha1.PipelineTask{{
			Name: "train",
			ContainerSpec: mlv1alpha1.ContainerSpec{
				Image:   "ignored",
				Command: []string{"sh", "-c", `printf '{"w0": 4.1, "w1": 3.9, "b": -4.0}' > "$ML_ARTIFACT_OUTPUT_MODEL" && cp "$ML_ARTIFACT_OUTPUT_MODEL" "$WRITTEN"`},
				Env:     []corev1.EnvVar{{Name: "WRITTEN", Value: written}},
			},
			Artifacts: &mlv1alpha1.TaskArtifacts{Outputs: []mlv1alpha1.OutputArtifact{{Name: "model", Type: mlv1alpha1.ArtifactTypeModel}}},
		}}}},
	}
	if _, err := ml.PipelineRuns(ns).Create(ctx, run, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	model := &mlv1alpha1.Model{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "served"},
		Spec: mlv1alpha1.ModelSpec{
			Source:  mlv1alpha1.ModelSource{Artifact: &mlv1alpha1.ModelArtifactSource{FromPipelineRun: "run", Task: "train", Name: "model"}},
			Runtime: mlv1alpha1.ModelRuntime{Image: "ignored", Command: []string{"/usr/bin/python3", "-c", serveModelScript}},
		},
	}
	if _, err := ml.Models(ns).Create(ctx, model, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	done := waitRun(t, ns, "run", 2*time.Minute)
	if done.Status.Phase != mlv1alpha1.PipelineRunSucceeded {
		t.Fatalf("run %s: %+v", done.Status.Phase, done.Status.Tasks)
	}
	ready := waitModel(t, ns, "served", func(m *mlv1alpha1.Model) bool { return m.Status.Phase == mlv1alpha1.ModelReady })
	src := ready.Status.Source
	if src == nil || src.Artifact != "model" || src.Producer == nil || src.Producer.Kind != "PipelineRun" || src.Producer.Name != "run" ||
		src.Producer.Task != "train" || !strings.HasPrefix(src.Digest, "sha256:") || src.URI == "" {
		t.Errorf("status.source = %+v, want the run's model artifact with its digest and producer", src)
	}
	var prediction struct{ Probability float64 }
	body := httpGetEventually(t, ready.Status.URL+"/predict?x0=0.9&x1=0.8")
	if err := json.Unmarshal([]byte(body), &prediction); err != nil || prediction.Probability < 0.5 {
		t.Errorf("prediction %q (%v): want a probability above 0.5 for 0.9+0.8 > 1", body, err)
	}

	// The artifacts subresource lists the artifact and serves its bytes.
	client := ml.RESTClient()
	raw, err := client.Get().Namespace(ns).Resource("pipelineruns").Name("run").SubResource("artifacts").DoRaw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var list mlv1alpha1.ArtifactList
	if err := json.Unmarshal(raw, &list); err != nil || len(list.Items) != 1 || list.Items[0].Path != "train/model" ||
		list.Items[0].Direction != mlv1alpha1.ArtifactOutput || list.Items[0].Digest != src.Digest {
		t.Errorf("artifacts list %s (%v): want the one output model", raw, err)
	}
	content, err := client.Get().Namespace(ns).Resource("pipelineruns").Name("run").SubResource("artifacts", "train", "model").DoRaw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(written)
	if err != nil || !bytes.Equal(content, want) {
		t.Errorf("downloaded %q, want the %q the job wrote (%v)", content, want, err)
	}

	// A source that is not there fails its Model, naming the URI.
	missing := "file://" + filepath.Join(framework.SharedDir(t), "nothing")
	model.Name, model.Spec.Source = "missing", mlv1alpha1.ModelSource{URI: missing}
	if _, err := ml.Models(ns).Create(ctx, model, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	failed := waitModel(t, ns, "missing", func(m *mlv1alpha1.Model) bool { return m.Status.Phase == mlv1alpha1.ModelFailed })
	if c := meta.FindStatusCondition(failed.Status.Conditions, "SourceResolved"); c == nil || c.Reason != "SourceUnavailable" || !strings.Contains(c.Message, missing) {
		t.Errorf("SourceResolved %+v: want SourceUnavailable naming %s", c, missing)
	}
}

// The example Model serves the model artifact of the example run: it waits
// for the run, serves predictions from the directory artifact, and the
// run's Markdown report downloads through the artifacts subresource with
// the digest of its record.
func TestExampleModelFromArtifact(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	ml := server.Clientset().MlV1alpha1()
	model := &mlv1alpha1.Model{}
	readExample(t, "10-model-from-artifact.yaml", model)
	model.Namespace = ns
	// The Model first, as kubectl apply of the folder creates it: it waits.
	if _, err := ml.Models(ns).Create(ctx, model, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitModel(t, ns, model.Name, func(m *mlv1alpha1.Model) bool {
		c := meta.FindStatusCondition(m.Status.Conditions, "SourceResolved")
		return c != nil && c.Reason == "ProducerNotFound" && strings.Contains(c.Message, "artifacts-1")
	})
	pl, run := &mlv1alpha1.Pipeline{}, &mlv1alpha1.PipelineRun{}
	readExampleDocs(t, "9-pipeline-artifacts.yaml", pl, run)
	pl.Namespace, run.Namespace = ns, ns
	if _, err := ml.Pipelines(ns).Create(ctx, pl, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ml.PipelineRuns(ns).Create(ctx, run, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	done := waitRun(t, ns, run.Name, 3*time.Minute)
	if done.Status.Phase != mlv1alpha1.PipelineRunSucceeded {
		t.Fatalf("run ended %s: %+v", done.Status.Phase, done.Status.Tasks)
	}
	ready := waitModel(t, ns, model.Name, func(m *mlv1alpha1.Model) bool { return m.Status.Phase == mlv1alpha1.ModelReady })
	var prediction struct{ Y int }
	body := httpGetEventually(t, ready.Status.URL+"/predict?x0=0.9&x1=0.8")
	if err := json.Unmarshal([]byte(body), &prediction); err != nil || prediction.Y != 1 {
		t.Errorf("prediction %q (%v): want y=1 for 0.9+0.8", body, err)
	}
	var report mlv1alpha1.ArtifactRecord
	for _, task := range done.Status.Tasks {
		if task.Name == "evaluate" && task.Artifacts != nil {
			for _, rec := range task.Artifacts.Outputs {
				if rec.Name == "report" {
					report = rec
				}
			}
		}
	}
	content, err := ml.RESTClient().Get().Namespace(ns).Resource("pipelineruns").Name(run.Name).SubResource("artifacts", "evaluate", "report").DoRaw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(content)
	if got := "sha256:" + hex.EncodeToString(sum[:]); got != report.Digest || !strings.HasPrefix(string(content), "# Evaluation") {
		t.Errorf("downloaded report %q with digest %s, want the record's %s", content, got, report.Digest)
	}
}
