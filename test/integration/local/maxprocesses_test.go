package local

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
	"ml.example.io/ml-apiserver/pkg/workload/local"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// TestMaxProcesses runs two jobs of 2 replicas on a server that runs at
// most 2 processes: the second job waits, Pending, with a Running
// condition that says why and names the flag, and runs once the first
// ended; never more than 2 replica processes run. A PyTorch job of 3
// replicas, which run together or not at all, never starts and says why.
func TestMaxProcesses(t *testing.T) {
	const maxProcesses = 2
	srv := framework.StartTestServerWith(t, func(o *options.Options) {
		o.Controllers.Controllers = []string{"*"}
		o.LocalRuntime.MaxProcesses = maxProcesses
	})
	ns := framework.NewNamespace(t)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	shared := framework.SharedDir(t)
	// The replica processes of the server, by replica.
	running := func() int { return len(local.Processes(filepath.Join(srv.DataDir, "workloads"))) }
	gate := filepath.Join(shared, "go")
	jobs := srv.Clientset().MlV1alpha1().TrainingJobs(ns)
	waitJob := func(t *testing.T, _, name string, timeout time.Duration, cond func(*mlv1alpha1.TrainingJob) bool) *mlv1alpha1.TrainingJob {
		t.Helper()
		var last *mlv1alpha1.TrainingJob
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
			j, err := jobs.Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			last = j
			return cond(j), nil
		})
		if err != nil {
			t.Fatalf("job %s: %v; last %+v", name, err, last)
		}
		return last
	}
	for _, name := range []string{"first", "second"} {
		job := &mlv1alpha1.TrainingJob{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec: mlv1alpha1.TrainingJobSpec{
				Replicas: ptr.To[int32](2),
				ContainerSpec: mlv1alpha1.ContainerSpec{
					Image:   "ignored",
					Command: []string{"sh", "-c", `while [ ! -e ` + gate + ` ]; do sleep 0.05; done; sleep 0.2`},
				},
			},
		}
		if _, err := jobs.Create(ctx, job, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if name == "first" {
			waitJob(t, ns, "first", time.Minute, phase(mlv1alpha1.TrainingJobRunning))
		}
	}
	waiting := waitJob(t, ns, "second", time.Minute, func(j *mlv1alpha1.TrainingJob) bool {
		c := meta.FindStatusCondition(j.Status.Conditions, "Running")
		return c != nil && c.Reason == workload.ReasonWaitingForProcessSlot
	})
	c := meta.FindStatusCondition(waiting.Status.Conditions, "Running")
	if waiting.Status.Phase != mlv1alpha1.TrainingJobPending || !strings.Contains(c.Message, "--local-max-processes") ||
		!strings.Contains(c.Message, strconv.Itoa(maxProcesses)) {
		t.Errorf("waiting job: phase %s, Running condition %q: want Pending, naming --local-max-processes and its value", waiting.Status.Phase, c.Message)
	}
	if got := running(); got != maxProcesses {
		t.Errorf("%d replica processes run, want %d: the cap runs, the rest waits", got, maxProcesses)
	}

	// A distributed job whose 3 replicas must run together can never fit
	// in 2 slots: it takes none, and says so.
	gang := &mlv1alpha1.TrainingJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "gang"},
		Spec: mlv1alpha1.TrainingJobSpec{
			Framework: mlv1alpha1.FrameworkPyTorch,
			Replicas:  ptr.To[int32](3),
			ContainerSpec: mlv1alpha1.ContainerSpec{
				Image:   "ignored",
				Command: []string{"sh", "-c", "exit 0"},
			},
		},
	}
	if _, err := jobs.Create(ctx, gang, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	const never = "3 waiting for process slots it can never get: its job's 3 replicas run together and need 3 processes at once, and the local runtime runs at most 2 (--local-max-processes)"
	waitJob(t, ns, "gang", time.Minute, func(j *mlv1alpha1.TrainingJob) bool {
		c := meta.FindStatusCondition(j.Status.Conditions, "Running")
		return j.Status.Phase == mlv1alpha1.TrainingJobPending && c != nil && strings.Contains(c.Message, never)
	})

	touch(t, gate)
	most := 0
	for _, name := range []string{"first", "second"} {
		done := waitJob(t, ns, name, 2*time.Minute, func(j *mlv1alpha1.TrainingJob) bool {
			most = max(most, running())
			return j.Status.Phase == mlv1alpha1.TrainingJobSucceeded || j.Status.Phase == mlv1alpha1.TrainingJobFailed
		})
		if done.Status.Phase != mlv1alpha1.TrainingJobSucceeded {
			t.Errorf("job %s ended %s: %+v", name, done.Status.Phase, done.Status.Conditions)
		}
	}
	if most > maxProcesses {
		t.Errorf("%d replica processes ran at once, want at most %d", most, maxProcesses)
	}
	if j, err := jobs.Get(ctx, "gang", metav1.GetOptions{}); err != nil || j.Status.Phase != mlv1alpha1.TrainingJobPending {
		t.Errorf("the job that cannot fit: %v, %+v; want still Pending", err, j)
	}
}

func touch(t *testing.T, file string) {
	t.Helper()
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
}
