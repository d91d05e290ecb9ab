package local

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/yaml"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/plan"
	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// maxArtifactBytes is the cap of this package's server.
const maxArtifactBytes = 1 << 20

// artifactStore opens the filesystem store of the test server.
func artifactStore(t *testing.T) artifactstore.Store {
	t.Helper()
	s, err := artifactstore.NewFilesystem(filepath.Join(server.DataDir, "artifacts"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// readExampleDocs decodes the documents of a multi-document example.
func readExampleDocs(t *testing.T, file string, objs ...any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(examplesDir, file))
	if err != nil {
		t.Fatal(err)
	}
	docs := strings.Split(string(data), "\n---\n")
	if len(docs) != len(objs) {
		t.Fatalf("%s has %d documents, want %d", file, len(docs), len(objs))
	}
	for i, d := range docs {
		if err := yaml.UnmarshalStrict([]byte(d), objs[i]); err != nil {
			t.Fatalf("%s document %d: %v", file, i+1, err)
		}
	}
}

func records(st *mlv1alpha1.ArtifactsStatus, in bool) map[string]mlv1alpha1.ArtifactRecord {
	out := map[string]mlv1alpha1.ArtifactRecord{}
	if st == nil {
		return out
	}
	list := st.Outputs
	if in {
		list = st.Inputs
	}
	for _, r := range list {
		out[r.Name] = r
	}
	return out
}

// The example pipeline prepare -> train -> evaluate hands a Dataset file
// and a Model directory on through the artifact store: each reader reads
// exactly the bytes written, the status records every artifact, and the
// artifacts go with the run.
func TestArtifactsPipeline(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	pl, run := &mlv1alpha1.Pipeline{}, &mlv1alpha1.PipelineRun{}
	readExampleDocs(t, "9-pipeline-artifacts.yaml", pl, run)
	pl.Namespace, run.Namespace = ns, ns
	if _, err := server.Clientset().MlV1alpha1().Pipelines(ns).Create(ctx, pl, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	created, err := server.Clientset().MlV1alpha1().PipelineRuns(ns).Create(ctx, run, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	done := waitRun(t, ns, run.Name, 3*time.Minute)
	if done.Status.Phase != mlv1alpha1.PipelineRunSucceeded {
		t.Fatalf("run ended %s: %+v", done.Status.Phase, done.Status.Tasks)
	}
	tasks := map[string]mlv1alpha1.PipelineTaskStatus{}
	outputs := map[string]string{}
	for _, task := range done.Status.Tasks {
		tasks[task.Name] = task
		for _, o := range task.Outputs {
			outputs[task.Name+"."+o.Name] = o.Value
		}
	}
	store := artifactStore(t)
	uid := string(created.UID)
	want := map[string]mlv1alpha1.ArtifactType{"prepare.dataset": "Dataset", "train.model": "Model", "evaluate.metrics": "Metrics", "evaluate.report": "Markdown"}
	produced := map[string]mlv1alpha1.ArtifactRecord{}
	for id, typ := range want {
		taskName, name, _ := strings.Cut(id, ".")
		r, ok := records(tasks[taskName].Artifacts, false)[name]
		key := artifactstore.Key(ns, "pipelineruns", run.Name, uid, taskName, name)
		switch {
		case !ok:
			t.Errorf("%s: no record of output %s in %+v", taskName, name, tasks[taskName].Artifacts)
			continue
		case r.Type != typ || r.Key != key || r.URI != store.URI(key) || r.SizeBytes <= 0 || !strings.HasPrefix(r.Digest, "sha256:"):
			t.Errorf("%s: record %+v, want type %s, key %s, URI %s, a size and a digest", id, r, typ, key, store.URI(key))
		case r.Producer == nil || *r.Producer != (mlv1alpha1.ArtifactProducer{Kind: "PipelineRun", Name: run.Name, UID: uid, Task: taskName}):
			t.Errorf("%s: producer %+v", id, r.Producer)
		}
		produced[id] = r
	}
	// Consumed records are the producers', under the input's name.
	for _, c := range []struct{ task, input, from string }{{"train", "dataset", "prepare.dataset"}, {"evaluate", "model", "train.model"}, {"evaluate", "dataset", "prepare.dataset"}} {
		got := records(tasks[c.task].Artifacts, true)[c.input]
		wantRec := produced[c.from]
		wantRec.Name = c.input
		if got.Key != wantRec.Key || got.Digest != wantRec.Digest || got.Producer == nil || *got.Producer != *wantRec.Producer {
			t.Errorf("%s consumed %s: %+v, want %+v", c.task, c.input, got, wantRec)
		}
	}
	// Byte for byte: what train read is what prepare wrote; the model
	// file evaluate read is the one train wrote.
	if got := "sha256:" + outputs["train.dataset-sha256"]; got != produced["prepare.dataset"].Digest {
		t.Errorf("train read a dataset of digest %s, prepare wrote %s", got, produced["prepare.dataset"].Digest)
	}
	modelDir := filepath.Join(t.TempDir(), "model")
	if _, err := artifactstore.PullPath(ctx, store, produced["train.model"].Key, modelDir); err != nil {
		t.Fatal(err)
	}
	model, err := os.ReadFile(filepath.Join(modelDir, "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(model); outputs["evaluate.model-sha256"] != hex.EncodeToString(sum[:]) {
		t.Errorf("evaluate read model.json of sha256 %s, train wrote %x", outputs["evaluate.model-sha256"], sum)
	}
	report := filepath.Join(t.TempDir(), "report.md")
	if _, err := artifactstore.PullPath(ctx, store, produced["evaluate.report"].Key, report); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(report); !strings.Contains(string(data), "| "+strings.TrimSpace(outputs["evaluate.accuracy"])) {
		t.Errorf("report %q lacks the accuracy %s", data, outputs["evaluate.accuracy"])
	}

	// Deleting the run deletes its artifacts.
	prefix := artifactstore.OwnerPrefix(ns, "pipelineruns", run.Name, uid)
	if err := server.Clientset().MlV1alpha1().PipelineRuns(ns).Delete(ctx, run.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		left, err := store.List(ctx, prefix)
		return err == nil && len(left) == 0, nil
	})
	if err != nil {
		left, _ := store.List(ctx, prefix)
		t.Errorf("artifacts left after the run was deleted: %v", left)
	}
}

// retainArtifacts keeps a run's artifacts after its deletion.
func TestArtifactsRetained(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	run := artifactRun(ns, "keep", `printf kept > "$ML_ARTIFACT_OUTPUT_DATA"`)
	run.Spec.RetainArtifacts = true
	created, err := server.Clientset().MlV1alpha1().PipelineRuns(ns).Create(ctx, run, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if done := waitRun(t, ns, run.Name, 2*time.Minute); done.Status.Phase != mlv1alpha1.PipelineRunSucceeded {
		t.Fatalf("run ended %s: %+v", done.Status.Phase, done.Status.Tasks)
	}
	if err := server.Clientset().MlV1alpha1().PipelineRuns(ns).Delete(ctx, run.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	_ = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := server.Clientset().MlV1alpha1().PipelineRuns(ns).Get(ctx, run.Name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	// The deletion of artifacts would have happened right after the
	// object left etcd; give it time, then check nothing went.
	time.Sleep(2 * time.Second)
	key := artifactstore.Key(ns, "pipelineruns", run.Name, string(created.UID), "write", "data")
	if _, err := artifactStore(t).Stat(ctx, key); err != nil {
		t.Fatalf("the artifact of a run with retainArtifacts is gone after its deletion: %v", err)
	}

	// Another run reads it by its URI.
	read := task("read", `printf "got=" > "$ML_TERMINATION_MESSAGE_PATH"; cat "$ML_ARTIFACT_INPUT_KEPT" >> "$ML_TERMINATION_MESSAGE_PATH"`)
	read.Outputs = []mlv1alpha1.TaskOutput{{Name: "got"}}
	read.Artifacts = &mlv1alpha1.TaskArtifacts{Inputs: []mlv1alpha1.InputArtifact{{Name: "kept", URI: artifactStore(t).URI(key)}}}
	reader := &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Name: "reader", Namespace: ns},
		Spec:       mlv1alpha1.PipelineRunSpec{PipelineSpec: &mlv1alpha1.PipelineSpec{Tasks: []mlv1alpha1.PipelineTask{read}}},
	}
	if _, err := server.Clientset().MlV1alpha1().PipelineRuns(ns).Create(ctx, reader, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	done := waitRun(t, ns, reader.Name, 2*time.Minute)
	if done.Status.Phase != mlv1alpha1.PipelineRunSucceeded || len(done.Status.Tasks[0].Outputs) != 1 || done.Status.Tasks[0].Outputs[0].Value != "kept" {
		t.Errorf("run reading the artifact by URI: %s %+v, want output got=kept", done.Status.Phase, done.Status.Tasks)
	}
}

// A task served from the cache records the artifacts of the run that
// computed them: they stay while a run records them, and go with the last
// one, the run that computed them first or not.
func TestCachedArtifactsOutliveTheirRun(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	runs := server.Clientset().MlV1alpha1().PipelineRuns(ns)
	store := artifactStore(t)
	script := `printf shared > "$ML_ARTIFACT_OUTPUT_DATA"`
	first, err := runs.Create(ctx, artifactRun(ns, "first", script), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if done := waitRun(t, ns, first.Name, 2*time.Minute); done.Status.Phase != mlv1alpha1.PipelineRunSucceeded {
		t.Fatalf("run first ended %s: %+v", done.Status.Phase, done.Status.Tasks)
	}
	key := artifactstore.Key(ns, "pipelineruns", first.Name, string(first.UID), "write", "data")
	if _, err := runs.Create(ctx, artifactRun(ns, "second", script), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	second := waitRun(t, ns, "second", 2*time.Minute)
	if second.Status.Phase != mlv1alpha1.PipelineRunSucceeded || second.Status.Tasks[0].Reason != plan.ReasonCached {
		t.Fatalf("run second ended %s with task %+v, want Succeeded from the cache", second.Status.Phase, second.Status.Tasks)
	}
	if a := second.Status.Tasks[0].Artifacts; a == nil || len(a.Outputs) != 1 || a.Outputs[0].Key != key {
		t.Fatalf("the cached task records %+v, want the artifact %s of run first", a, key)
	}
	deleteRun := func(name string) {
		t.Helper()
		if err := runs.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			_, err := runs.Get(ctx, name, metav1.GetOptions{})
			return apierrors.IsNotFound(err), nil
		})
		if err != nil {
			t.Fatalf("run %s is still there: %v", name, err)
		}
	}

	// The run that computed it goes: the artifact stays, second records it.
	deleteRun(first.Name)
	time.Sleep(2 * time.Second)
	if _, err := store.Stat(ctx, key); err != nil {
		t.Fatalf("the artifact that run second records went with run first: %v", err)
	}
	// The last run that records it goes: so does the artifact, and the
	// whole subtree of run first.
	deleteRun(second.Name)
	prefix := artifactstore.OwnerPrefix(ns, "pipelineruns", first.Name, string(first.UID))
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		left, err := store.List(ctx, prefix)
		return err == nil && len(left) == 0, nil
	})
	if err != nil {
		left, _ := store.List(ctx, prefix)
		t.Errorf("artifacts of run first left after the last run that records them was deleted: %v", left)
	}
}

// artifactRun is a one-task run whose task writes output artifact data.
func artifactRun(ns, name, script string) *mlv1alpha1.PipelineRun {
	w := task("write", script)
	w.Artifacts = &mlv1alpha1.TaskArtifacts{Outputs: []mlv1alpha1.OutputArtifact{{Name: "data"}}}
	return &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec:       mlv1alpha1.PipelineRunSpec{PipelineSpec: &mlv1alpha1.PipelineSpec{Tasks: []mlv1alpha1.PipelineTask{w}}},
	}
}

// An output over --max-artifact-bytes fails its task with a message that
// names the cap, and nothing is stored.
func TestArtifactOverCapFailsTask(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	run := artifactRun(ns, "big", `head -c 2097152 /dev/zero > "$ML_ARTIFACT_OUTPUT_DATA"`)
	created, err := server.Clientset().MlV1alpha1().PipelineRuns(ns).Create(ctx, run, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	done := waitRun(t, ns, run.Name, 2*time.Minute)
	if done.Status.Phase != mlv1alpha1.PipelineRunFailed || len(done.Status.Tasks) != 1 {
		t.Fatalf("run ended %s: %+v, want Failed", done.Status.Phase, done.Status.Tasks)
	}
	if msg := done.Status.Tasks[0].Message; !strings.Contains(msg, "1048576") || !strings.Contains(msg, "--max-artifact-bytes") {
		t.Errorf("task message %q, want it to name the cap of %d bytes (--max-artifact-bytes)", msg, maxArtifactBytes)
	}
	key := artifactstore.Key(ns, "pipelineruns", run.Name, string(created.UID), "write", "data")
	if _, err := artifactStore(t).Stat(ctx, key); !errors.Is(err, artifactstore.ErrNotFound) {
		t.Errorf("Stat of an artifact over the cap: %v, want not found", err)
	}
}

// An input that names a task without that output artifact is refused at
// admission, naming the field.
func TestArtifactInputOfMissingOutputRefused(t *testing.T) {
	ns := framework.NewNamespace(t)
	run := artifactRun(ns, "bad", "true")
	read := task("read", "true")
	read.Artifacts = &mlv1alpha1.TaskArtifacts{Inputs: []mlv1alpha1.InputArtifact{{Name: "d", From: "$(tasks.write.outputs.artifacts.model)"}}}
	run.Spec.PipelineSpec.Tasks = append(run.Spec.PipelineSpec.Tasks, read)
	_, err := server.Clientset().MlV1alpha1().PipelineRuns(ns).Create(context.Background(), run, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.pipelineSpec.tasks[1].artifacts.inputs[0].from") || !strings.Contains(err.Error(), `declares no output artifact "model"`) {
		t.Errorf("create = %v, want 422 naming spec.pipelineSpec.tasks[1].artifacts.inputs[0].from", err)
	}
}

// A TrainingJob's replica 0 writes its output artifact (the trained
// model), which the job's status records once it succeeded.
func TestTrainingJobArtifacts(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	job := &mlv1alpha1.TrainingJob{
		ObjectMeta: metav1.ObjectMeta{Name: "tj", Namespace: ns},
		Spec: mlv1alpha1.TrainingJobSpec{
			Replicas: ptrTo[int32](2),
			ContainerSpec: mlv1alpha1.ContainerSpec{Command: []string{"sh", "-c",
				`if [ "$ML_REPLICA_INDEX" = 0 ]; then mkdir -p "$ML_ARTIFACT_OUTPUT_MODEL" && printf w > "$ML_ARTIFACT_OUTPUT_MODEL/weights"; fi`}},
			Artifacts: &mlv1alpha1.TrainingJobArtifacts{Outputs: []mlv1alpha1.OutputArtifact{{Name: "model", Type: mlv1alpha1.ArtifactTypeModel}}},
		},
	}
	created, err := server.Clientset().MlV1alpha1().TrainingJobs(ns).Create(ctx, job, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	done := waitJob(t, ns, job.Name, 2*time.Minute, func(j *mlv1alpha1.TrainingJob) bool {
		return j.Status.Phase == mlv1alpha1.TrainingJobSucceeded || j.Status.Phase == mlv1alpha1.TrainingJobFailed
	})
	if done.Status.Phase != mlv1alpha1.TrainingJobSucceeded {
		t.Fatalf("job ended %s: %+v", done.Status.Phase, done.Status)
	}
	key := artifactstore.Key(ns, "trainingjobs", job.Name, string(created.UID), "job", "model")
	if a := done.Status.Artifacts; a == nil || len(a.Outputs) != 1 || a.Outputs[0].Key != key || a.Outputs[0].SizeBytes != 1 ||
		a.Outputs[0].Producer == nil || a.Outputs[0].Producer.Kind != "TrainingJob" {
		t.Errorf("status.artifacts %+v, want the model at %s", a, key)
	}
}

func ptrTo[T any](v T) *T { return &v }
