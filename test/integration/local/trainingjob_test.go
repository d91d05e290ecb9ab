package local

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// The example job's replicas meet at MASTER_ADDR:MASTER_PORT and exit
// non-zero unless every RANK of WORLD_SIZE shows up once; replica 0 then
// writes the model where outputURI says.
func TestExampleTrainingJobRuns(t *testing.T) {
	ns := framework.NewNamespace(t)
	// Two at once: both rendezvous on "port 29500", each on a free port
	// of its own here.
	outs := map[string]string{}
	for _, name := range []string{"first", "second"} {
		job := exampleJob(t, ns)
		job.Name = name
		outs[name] = strings.TrimPrefix(job.Spec.OutputURI, "file://")
		if _, err := server.Clientset().MlV1alpha1().TrainingJobs(ns).Create(context.Background(), job, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for name, out := range outs {
		done := waitJob(t, ns, name, 2*time.Minute, func(j *mlv1alpha1.TrainingJob) bool {
			return j.Status.Phase == mlv1alpha1.TrainingJobSucceeded || j.Status.Phase == mlv1alpha1.TrainingJobFailed
		})
		if done.Status.Phase != mlv1alpha1.TrainingJobSucceeded || done.Status.Succeeded != 2 {
			t.Fatalf("job %s ended %s with %d succeeded: %+v", name, done.Status.Phase, done.Status.Succeeded, done.Status.Conditions)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatalf("job %s did not write its model: %v", name, err)
		}
		var model map[string]float64
		if err := json.Unmarshal(data, &model); err != nil || len(model) != 3 {
			t.Errorf("model %q: %v", data, err)
		}
	}
}

// exampleJob is the example training job of 3 epochs writing its model
// into a directory of the test.
func exampleJob(t *testing.T, ns string) *mlv1alpha1.TrainingJob {
	t.Helper()
	job := &mlv1alpha1.TrainingJob{}
	readExample(t, "1-trainingjob.yaml", job)
	job.Namespace = ns
	out := filepath.Join(framework.SharedDir(t), "model.json")
	job.Spec.OutputURI = "file://" + out
	for i := range job.Spec.Env {
		switch job.Spec.Env[i].Name {
		case "EPOCHS":
			job.Spec.Env[i].Value = "3"
		case "ML_OUTPUT_URI":
			job.Spec.Env[i].Value = "file://" + out
		}
	}
	return job
}

// sleeper is a job whose replicas record their pid under dir and sleep.
func sleeper(ns, name, dir string, replicas int32) *mlv1alpha1.TrainingJob {
	return &mlv1alpha1.TrainingJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: mlv1alpha1.TrainingJobSpec{
			Replicas: ptr.To(replicas),
			Elastic:  &mlv1alpha1.ElasticPolicy{MinReplicas: ptr.To[int32](1), MaxReplicas: ptr.To[int32](4)},
			ContainerSpec: mlv1alpha1.ContainerSpec{
				Image:   "ignored",
				Command: []string{"sh", "-c"},
				Args:    []string{fmt.Sprintf(`echo $$$$ > %s/replica-$(ML_REPLICA_INDEX); echo "replica $(ML_REPLICA_INDEX) of $(ML_REPLICAS)"; exec sleep 600`, dir)},
			},
		},
	}
}

func TestScaleDownStopsTheHighestIndexAndDeleteStopsAll(t *testing.T) {
	ns := framework.NewNamespace(t)
	dir := framework.SharedDir(t)
	jobs := server.Clientset().MlV1alpha1().TrainingJobs(ns)
	ctx := context.Background()
	if _, err := jobs.Create(ctx, sleeper(ns, "elastic", dir, 3), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitJob(t, ns, "elastic", time.Minute, phase(mlv1alpha1.TrainingJobRunning))
	before := waitPIDs(t, dir, "replica-0", "replica-1", "replica-2")

	scaleTo(t, jobs, "elastic", 2)
	waitDead(t, "replica 2 after scaling to 2", before["replica-2"])
	for _, r := range []string{"replica-0", "replica-1"} {
		if !alive(before[r]) {
			t.Errorf("%s (pid %d) was stopped by a scale-down that should keep it", r, before[r])
		}
	}

	if err := jobs.Delete(ctx, "elastic", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"replica-0", "replica-1"} {
		waitDead(t, r+" after the job was deleted", before[r])
	}
	if _, err := jobs.Get(ctx, "elastic", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("job still readable after delete: %v", err)
	}
}

func TestSuspendStopsProcesses(t *testing.T) {
	ns := framework.NewNamespace(t)
	dir := framework.SharedDir(t)
	jobs := server.Clientset().MlV1alpha1().TrainingJobs(ns)
	ctx := context.Background()
	if _, err := jobs.Create(ctx, sleeper(ns, "pausable", dir, 1), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	first := waitPIDs(t, dir, "replica-0")["replica-0"]
	patch := []byte(`{"spec":{"suspend":true}}`)
	if _, err := jobs.Patch(ctx, "pausable", "application/merge-patch+json", patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitDead(t, "the replica of a suspended job", first)
	waitJob(t, ns, "pausable", time.Minute, phase(mlv1alpha1.TrainingJobSuspended))
	_ = os.Remove(filepath.Join(dir, "replica-0"))
	patch = []byte(`{"spec":{"suspend":false}}`)
	if _, err := jobs.Patch(ctx, "pausable", "application/merge-patch+json", patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	second := waitPIDs(t, dir, "replica-0")["replica-0"]
	if second == first || !alive(second) {
		t.Errorf("resume: pid %d (was %d), alive %v", second, first, alive(second))
	}
	if err := jobs.Delete(ctx, "pausable", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitDead(t, "the replica after delete", second)
}

// A replica whose command is missing cannot run here (images are
// ignored): it fails, and the job fails past its backoff limit.
func TestReplicaWithoutCommandFails(t *testing.T) {
	ns := framework.NewNamespace(t)
	jobs := server.Clientset().MlV1alpha1().TrainingJobs(ns)
	job := &mlv1alpha1.TrainingJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "image-only"},
		Spec: mlv1alpha1.TrainingJobSpec{
			Replicas:      ptr.To[int32](1),
			BackoffLimit:  ptr.To[int32](0),
			ContainerSpec: mlv1alpha1.ContainerSpec{Image: "pytorch/pytorch:2.5.1"},
		},
	}
	if _, err := jobs.Create(context.Background(), job, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	failed := waitJob(t, ns, "image-only", time.Minute, phase(mlv1alpha1.TrainingJobFailed))
	if failed.Status.Failed != 1 {
		t.Errorf("failed replicas %d, want 1", failed.Status.Failed)
	}
}

// The log subresource serves the processes' output while they run and
// after they ended.
func TestLogs(t *testing.T) {
	ns := framework.NewNamespace(t)
	jobs := server.Clientset().MlV1alpha1().TrainingJobs(ns)
	ctx := context.Background()
	job := &mlv1alpha1.TrainingJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "talker"},
		Spec: mlv1alpha1.TrainingJobSpec{
			Replicas: ptr.To[int32](2),
			// The replicas are removed once the job ended: their logs must
			// be archived first.
			CleanPodPolicy: mlv1alpha1.CleanPodPolicyAll,
			ContainerSpec: mlv1alpha1.ContainerSpec{
				Image:   "ignored",
				Command: []string{"sh", "-c"},
				Args:    []string{`for i in 1 2 3; do echo "step=$i replica=$(ML_REPLICA_INDEX)"; sleep 0.5; done`},
			},
		},
	}
	if _, err := jobs.Create(ctx, job, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitJob(t, ns, "talker", time.Minute, phase(mlv1alpha1.TrainingJobRunning))
	// Following replica 1 from the start ends when it ends.
	follow, err := server.Clientset().MlV1alpha1().RESTClient().Get().Namespace(ns).Resource("trainingjobs").Name("talker").SubResource("log").
		Param("follow", "true").Param("replica", "1").DoRaw(ctx)
	if err != nil {
		t.Fatalf("follow: %v", err)
	}
	if got, want := string(follow), "step=1 replica=1\nstep=2 replica=1\nstep=3 replica=1\n"; got != want {
		t.Errorf("followed log of replica 1:\n%s\nwant:\n%s", got, want)
	}
	waitJob(t, ns, "talker", time.Minute, phase(mlv1alpha1.TrainingJobSucceeded))
	replicas := filepath.Join(server.DataDir, "workloads", "replicas", ns)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if entries, _ := os.ReadDir(replicas); len(entries) == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if entries, _ := os.ReadDir(replicas); len(entries) != 0 {
		t.Fatalf("replicas left after the job ended with cleanPodPolicy All: %v", entries)
	}
	all, err := server.Clientset().MlV1alpha1().RESTClient().Get().Namespace(ns).Resource("trainingjobs").Name("talker").SubResource("log").DoRaw(ctx)
	if err != nil {
		t.Fatalf("log after the end: %v", err)
	}
	for _, want := range []string{"[replica-0] step=3 replica=0\n", "[replica-1] step=1 replica=1\n"} {
		if !strings.Contains(string(all), want) {
			t.Errorf("merged log lacks %q:\n%s", want, all)
		}
	}
}
