// Package runtimes tests training runtimes against a standalone server:
// a TrainingJob that names a ClusterTrainingRuntime or TrainingRuntime is
// stored with the runtime's template merged under its own fields, keeps it
// when the runtime changes, and a missing runtime is a 422.
package runtimes

import (
	"context"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

var server *framework.TestServer

func TestMain(m *testing.M) {
	framework.Main(m, &server)
}

// newClusterRuntime creates a ClusterTrainingRuntime named after the
// test's namespace (cluster-scoped names are shared) and deletes it after.
func newClusterRuntime(t *testing.T, ns string) *mlv1alpha1.ClusterTrainingRuntime {
	t.Helper()
	r := &mlv1alpha1.ClusterTrainingRuntime{
		ObjectMeta: metav1.ObjectMeta{Name: "torch-" + ns},
		Spec: mlv1alpha1.TrainingRuntimeSpec{Template: mlv1alpha1.TrainingRuntimeTemplate{
			Framework:      mlv1alpha1.FrameworkPyTorch,
			Replicas:       ptr.To[int32](2),
			NumProcPerNode: ptr.To[int32](2),
			ContainerSpec: mlv1alpha1.ContainerSpec{
				Image:   "pytorch/pytorch:2.5",
				Command: []string{"torchrun"},
				Env:     []corev1.EnvVar{{Name: "NCCL_DEBUG", Value: "WARN"}, {Name: "OMP_NUM_THREADS", Value: "1"}},
			},
		}},
	}
	created, err := server.Clientset().MlV1alpha1().ClusterTrainingRuntimes().Create(t.Context(), r, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create ClusterTrainingRuntime: %v", err)
	}
	t.Cleanup(func() {
		err := server.Clientset().MlV1alpha1().ClusterTrainingRuntimes().Delete(context.Background(), r.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete ClusterTrainingRuntime %s: %v", r.Name, err)
		}
	})
	return created
}

func jobNaming(ns, name string, kind mlv1alpha1.TrainingRuntimeKind, runtime string) *mlv1alpha1.TrainingJob {
	return &mlv1alpha1.TrainingJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: mlv1alpha1.TrainingJobSpec{
			RuntimeRef:     &mlv1alpha1.TrainingRuntimeRef{Kind: kind, Name: runtime},
			NumProcPerNode: ptr.To[int32](4),
			ContainerSpec: mlv1alpha1.ContainerSpec{
				Args: []string{"train.py"},
				Env:  []corev1.EnvVar{{Name: "NCCL_DEBUG", Value: "INFO"}},
			},
			Suspend: true, // no controller runs here; nothing should start anyway
		},
	}
}

// TestJobKeepsTheRuntimeItWasMadeFrom: the stored job holds the merged
// template and the annotations naming the runtime; editing the runtime
// afterwards changes nothing in it, while a new job gets the edit.
func TestJobKeepsTheRuntimeItWasMadeFrom(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := t.Context()
	ml := server.Clientset().MlV1alpha1()
	runtime := newClusterRuntime(t, ns)
	job, err := ml.TrainingJobs(ns).Create(ctx, jobNaming(ns, "first", "", runtime.Name), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create job: %v", err)
	}
	s := job.Spec
	wantEnv := []corev1.EnvVar{{Name: "NCCL_DEBUG", Value: "INFO"}, {Name: "OMP_NUM_THREADS", Value: "1"}}
	if s.Framework != mlv1alpha1.FrameworkPyTorch || s.Image != "pytorch/pytorch:2.5" || strings.Join(s.Command, " ") != "torchrun" ||
		strings.Join(s.Args, " ") != "train.py" || ptr.Deref(s.Replicas, 0) != 2 || ptr.Deref(s.NumProcPerNode, 0) != 4 ||
		ptr.Deref(s.MasterPort, 0) != mlv1alpha1.DefaultMasterPort || !envEqual(s.Env, wantEnv) {
		t.Errorf("stored spec %+v: want the runtime's framework, image, command and replicas, the job's args, numProcPerNode 4 and NCCL_DEBUG=INFO, env %v", s, wantEnv)
	}
	if got := job.Annotations[mlv1alpha1.TrainingRuntimeAnnotation]; got != "ClusterTrainingRuntime/"+runtime.Name {
		t.Errorf("annotation %s=%q", mlv1alpha1.TrainingRuntimeAnnotation, got)
	}
	if got := job.Annotations[mlv1alpha1.TrainingRuntimeGenerationAnnotation]; got != "1" {
		t.Errorf("annotation %s=%q, want 1", mlv1alpha1.TrainingRuntimeGenerationAnnotation, got)
	}

	runtime.Spec.Template.Image = "pytorch/pytorch:2.6"
	runtime.Spec.Template.Env[1].Value = "8"
	if _, err := ml.ClusterTrainingRuntimes().Update(ctx, runtime, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("edit the runtime: %v", err)
	}
	again, err := ml.TrainingJobs(ns).Get(ctx, "first", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Spec.Image != "pytorch/pytorch:2.5" || !envEqual(again.Spec.Env, wantEnv) || again.Generation != job.Generation {
		t.Errorf("the job changed with its runtime: image %q, env %v, generation %d (was %d)", again.Spec.Image, again.Spec.Env, again.Generation, job.Generation)
	}
	second, err := ml.TrainingJobs(ns).Create(ctx, jobNaming(ns, "second", mlv1alpha1.ClusterTrainingRuntimeKind, runtime.Name), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if second.Spec.Image != "pytorch/pytorch:2.6" || second.Annotations[mlv1alpha1.TrainingRuntimeGenerationAnnotation] != "2" {
		t.Errorf("a job created after the edit: image %q, annotations %v; want the edited runtime at generation 2", second.Spec.Image, second.Annotations)
	}
}

// TestNamespacedRuntime: a TrainingRuntime is found in the job's namespace
// only.
func TestNamespacedRuntime(t *testing.T) {
	ns, other := framework.NewNamespace(t), framework.NewNamespace(t)
	ctx := t.Context()
	ml := server.Clientset().MlV1alpha1()
	r := &mlv1alpha1.TrainingRuntime{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "jax"},
		Spec: mlv1alpha1.TrainingRuntimeSpec{Template: mlv1alpha1.TrainingRuntimeTemplate{
			Framework:     mlv1alpha1.FrameworkJAX,
			ContainerSpec: mlv1alpha1.ContainerSpec{Command: []string{"/usr/bin/python3"}},
		}},
	}
	if _, err := ml.TrainingRuntimes(ns).Create(ctx, r, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	j := jobNaming(ns, "jax", mlv1alpha1.TrainingRuntimeKindName, "jax")
	j.Spec.NumProcPerNode = nil
	job, err := ml.TrainingJobs(ns).Create(ctx, j, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if job.Spec.Framework != mlv1alpha1.FrameworkJAX || ptr.Deref(job.Spec.Replicas, 0) != 1 {
		t.Errorf("framework %q, replicas %v: want JAX and the default 1", job.Spec.Framework, job.Spec.Replicas)
	}
	j.Namespace = other
	_, err = ml.TrainingJobs(other).Create(ctx, j, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.runtimeRef.name") || !strings.Contains(err.Error(), `TrainingRuntime "jax" does not exist in namespace "`+other+`"`) {
		t.Errorf("a job naming a TrainingRuntime of another namespace: %v, want a 422 naming spec.runtimeRef.name", err)
	}
}

// TestMissingRuntime: a job naming a runtime that does not exist is a 422
// naming spec.runtimeRef.name; so is numProcPerNode > 1 on a runtime of
// another framework than PyTorch.
func TestMissingRuntime(t *testing.T) {
	ns := framework.NewNamespace(t)
	_, err := server.Clientset().MlV1alpha1().TrainingJobs(ns).Create(t.Context(), jobNaming(ns, "j", "", "no-such-runtime"), metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.runtimeRef.name") || !strings.Contains(err.Error(), `ClusterTrainingRuntime "no-such-runtime" does not exist`) {
		t.Errorf("create: %v, want a 422 naming spec.runtimeRef.name", err)
	}
}

// warnings records the Warning headers a client receives.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, text)
}

// TestDeletingARuntimeInUseWarns: the deletion succeeds (jobs hold their
// snapshot) with a Warning naming the job.
func TestDeletingARuntimeInUseWarns(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := t.Context()
	runtime := newClusterRuntime(t, ns)
	if _, err := server.Clientset().MlV1alpha1().TrainingJobs(ns).Create(ctx, jobNaming(ns, "user", "", runtime.Name), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	w := &warnings{}
	cfg := rest.CopyConfig(server.ClientConfig)
	cfg.WarningHandler = w
	c, err := mlclientset.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.MlV1alpha1().ClusterTrainingRuntimes().Delete(ctx, runtime.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete a runtime in use: %v", err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.msgs) != 1 || !strings.Contains(w.msgs[0], ns+"/user") {
		t.Errorf("warnings %q, want one naming the job %s/user", w.msgs, ns)
	}
}

func envEqual(a, b []corev1.EnvVar) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Value != b[i].Value {
			return false
		}
	}
	return true
}
