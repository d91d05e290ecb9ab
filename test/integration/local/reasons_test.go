package local

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/trainingjob"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// replicaBackoff is the server's --failed-replica-backoff in this package.
const replicaBackoff = 2 * time.Second

// failingJob is a job of one replica running command, failing for good
// after backoffLimit replacements.
func failingJob(ns, name string, backoffLimit int32, command ...string) *mlv1alpha1.TrainingJob {
	return &mlv1alpha1.TrainingJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: mlv1alpha1.TrainingJobSpec{
			Replicas:      ptr.To[int32](1),
			BackoffLimit:  ptr.To(backoffLimit),
			ContainerSpec: mlv1alpha1.ContainerSpec{Image: "ignored", Command: command},
		},
	}
}

// The first mistake a user makes, a typo in the command, ends the job with
// the reason in its Failed condition and in status.lastFailure.
func TestTypoedCommandSaysWhy(t *testing.T) {
	ns := framework.NewNamespace(t)
	jobs := server.Clientset().MlV1alpha1().TrainingJobs(ns)
	if _, err := jobs.Create(context.Background(), failingJob(ns, "typo", 1, "pyhton3", "train.py"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	job := waitJob(t, ns, "typo", 2*time.Minute, phase(mlv1alpha1.TrainingJobFailed))
	const why = `exec: "pyhton3": executable file not found in $PATH`
	c := meta.FindStatusCondition(job.Status.Conditions, trainingjob.ConditionFailed)
	if c == nil || c.Reason != trainingjob.ReasonBackoffLimitExceeded ||
		!strings.Contains(c.Message, "2 pod failures exceed the backoff limit of 1; last: replica typo-0: exit code 127 (StartError): "+why) {
		t.Errorf("Failed condition %+v: want the start error", c)
	}
	lf := job.Status.LastFailure
	if lf == nil || lf.Replica != "typo-0" || lf.Reason != "StartError" || ptr.Deref(lf.ExitCode, 0) != 127 || !strings.Contains(lf.Message, why) {
		t.Errorf("lastFailure %+v: want replica typo-0, StartError, exit code 127, %q", lf, why)
	}
	if c := meta.FindStatusCondition(job.Status.Conditions, trainingjob.ConditionSucceeded); c == nil || c.Status != metav1.ConditionFalse {
		t.Errorf("Succeeded condition %+v, want False", c)
	}
}

// A process that exits non-zero after printing says its exit code and its
// last line (stderr first, where errors go).
func TestExitCodeAndLastLine(t *testing.T) {
	ns := framework.NewNamespace(t)
	jobs := server.Clientset().MlV1alpha1().TrainingJobs(ns)
	job := failingJob(ns, "oom", 0, "sh", "-c", `echo "loading data"; echo "CUDA out of memory" >&2; sleep 0.2; echo "epoch 1"; exit 3`)
	if _, err := jobs.Create(context.Background(), job, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	done := waitJob(t, ns, "oom", 2*time.Minute, phase(mlv1alpha1.TrainingJobFailed))
	c := meta.FindStatusCondition(done.Status.Conditions, trainingjob.ConditionFailed)
	if c == nil || !strings.HasSuffix(c.Message, "; last: replica oom-0: exit code 3: CUDA out of memory") {
		t.Errorf("Failed condition %+v: want exit code 3 and the last line of stderr", c)
	}
}

// Failed replicas are replaced after a back-off that doubles, as
// backoffLimit promises on a cluster: each attempt starts at least the
// back-off after the one before began (a lower bound, whatever the
// machine's pace).
func TestFailedReplicasBackOff(t *testing.T) {
	ns := framework.NewNamespace(t)
	dir := framework.SharedDir(t)
	starts := filepath.Join(dir, "starts")
	jobs := server.Clientset().MlV1alpha1().TrainingJobs(ns)
	job := failingJob(ns, "flaky", 2, "sh", "-c", "date +%s%N >> "+starts+"; exit 3")
	if _, err := jobs.Create(context.Background(), job, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	done := waitJob(t, ns, "flaky", 2*time.Minute, phase(mlv1alpha1.TrainingJobFailed))
	if done.Status.Failed != 3 {
		t.Errorf("failed %d, want 3", done.Status.Failed)
	}
	data, err := os.ReadFile(starts)
	if err != nil {
		t.Fatal(err)
	}
	var times []time.Time
	for _, l := range strings.Fields(string(data)) {
		ns, err := strconv.ParseInt(l, 10, 64)
		if err != nil {
			t.Fatalf("start time %q: %v", l, err)
		}
		times = append(times, time.Unix(0, ns))
	}
	if len(times) != 3 {
		t.Fatalf("%d attempts started, want 3: %q", len(times), data)
	}
	for i, want := range []time.Duration{replicaBackoff, 2 * replicaBackoff} {
		if gap := times[i+1].Sub(times[i]); gap < want {
			t.Errorf("attempt %d started %s after attempt %d, want at least the back-off of %s", i+2, gap, i+1, want)
		}
	}
}

// `kubectl wait --for=condition=Succeeded` works for a TrainingJob, as
// for a PipelineRun.
func TestKubectlWaitSucceeded(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skipf("kubectl is not installed: %v", err)
	}
	ns := framework.NewNamespace(t)
	jobs := server.Clientset().MlV1alpha1().TrainingJobs(ns)
	job := failingJob(ns, "quick", 0, "sh", "-c", "echo done")
	if _, err := jobs.Create(context.Background(), job, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(kubectl, "wait", "--for=condition=Succeeded", "--timeout=120s", "-n", ns, "trainingjob/quick")
	cmd.Env = append(os.Environ(), "KUBECONFIG="+server.Kubeconfig, "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "condition met") {
		t.Fatalf("kubectl wait: %v\n%s", err, out)
	}
}

// A pipeline task that cannot start, or exits non-zero, says why in its
// task status and in the run's Failed condition; `kubectl wait
// --for=condition=Failed` sees it.
func TestFailedTaskSaysWhy(t *testing.T) {
	ns := framework.NewNamespace(t)
	typo := task("typo", "")
	typo.Command = []string{"pyhton3", "prepare.py"}
	crash := task("crash", `echo "reading shard 3"; echo "KeyError: 'label'" >&2; exit 4`)
	run := &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "broken"},
		Spec: mlv1alpha1.PipelineRunSpec{PipelineSpec: &mlv1alpha1.PipelineSpec{
			Tasks: []mlv1alpha1.PipelineTask{typo, crash},
		}},
	}
	if _, err := server.Clientset().MlV1alpha1().PipelineRuns(ns).Create(context.Background(), run, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	done := waitRun(t, ns, "broken", 2*time.Minute)
	if done.Status.Phase != mlv1alpha1.PipelineRunFailed {
		t.Fatalf("run ended %s, want Failed", done.Status.Phase)
	}
	want := map[string]string{
		"typo":  `exit code 127 (StartError): exec: "pyhton3": executable file not found in $PATH`,
		"crash": "exit code 4: KeyError: 'label'",
	}
	for _, task := range done.Status.Tasks {
		if task.Phase != mlv1alpha1.TaskFailed || task.Message != want[task.Name] {
			t.Errorf("task %s: %s %q, want Failed %q", task.Name, task.Phase, task.Message, want[task.Name])
		}
	}
	c := meta.FindStatusCondition(done.Status.Conditions, "Failed")
	if c == nil || c.Status != metav1.ConditionTrue || !strings.Contains(c.Message, "exit code") {
		t.Errorf("Failed condition %+v: want the failed task's cause", c)
	}
}

// A model server that crashes on start says why in the model's Ready
// condition while the runtime restarts it; one that cannot start fails
// the model with the start error.
func TestModelSaysWhyItIsNotReady(t *testing.T) {
	ns := framework.NewNamespace(t)
	models := server.Clientset().MlV1alpha1().Models(ns)
	// A source that exists: one that does not fails the model before
	// anything starts (TestModelFromMissingSourceFails).
	file := filepath.Join(framework.SharedDir(t), "model")
	if err := os.WriteFile(file, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	model := func(name string, command ...string) *mlv1alpha1.Model {
		return &mlv1alpha1.Model{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec: mlv1alpha1.ModelSpec{
				Source:  mlv1alpha1.ModelSource{URI: "file://" + file},
				Runtime: mlv1alpha1.ModelRuntime{Image: "ignored", Command: command},
			},
		}
	}
	for _, m := range []*mlv1alpha1.Model{
		model("crashing", "sh", "-c", `echo "ModuleNotFoundError: No module named 'torch'" >&2; exit 1`),
		model("typo", "pyhton3", "serve.py"),
	} {
		if _, err := models.Create(context.Background(), m, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	ready := func(m *mlv1alpha1.Model) *metav1.Condition {
		return meta.FindStatusCondition(m.Status.Conditions, "Ready")
	}
	crashing := waitModel(t, ns, "crashing", func(m *mlv1alpha1.Model) bool {
		c := ready(m)
		return c != nil && c.Reason == "CrashLoopBackOff"
	})
	if c := ready(crashing); c.Status != metav1.ConditionFalse || !strings.Contains(c.Message, "last exit code 1: ModuleNotFoundError: No module named 'torch'") {
		t.Errorf("Ready condition %+v: want the exit code and the last line of stderr", c)
	}
	typo := waitModel(t, ns, "typo", func(m *mlv1alpha1.Model) bool { return m.Status.Phase == mlv1alpha1.ModelFailed })
	if c := ready(typo); c.Reason != "StartError" || !strings.Contains(c.Message, `exec: "pyhton3": executable file not found in $PATH`) {
		t.Errorf("Ready condition %+v: want the start error", c)
	}
}
