package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/e2e/framework"
)

// TestTrainingRuntime: a TrainingJob that names a ClusterTrainingRuntime
// gets pods with the runtime's image, command and env and the job's
// overrides (args, numProcPerNode, an env value) and torchrun's
// environment; editing the runtime afterwards changes neither the job nor
// its pods.
func TestTrainingRuntime(t *testing.T) {
	ctx := testContext(t, 5*time.Minute)
	e := newTJEnv(t)
	runtimes := e.ml.MlV1alpha1().ClusterTrainingRuntimes()
	runtime, err := runtimes.Create(ctx, &mlv1alpha1.ClusterTrainingRuntime{
		ObjectMeta: metav1.ObjectMeta{Name: "torch-" + e.ns},
		Spec: mlv1alpha1.TrainingRuntimeSpec{Template: mlv1alpha1.TrainingRuntimeTemplate{
			Framework: mlv1alpha1.FrameworkPyTorch,
			Replicas:  ptr.To[int32](2),
			ContainerSpec: mlv1alpha1.ContainerSpec{
				Image:   "registry.example/torch:1",
				Command: []string{"torchrun"},
				Env:     []corev1.EnvVar{{Name: "NCCL_DEBUG", Value: "WARN"}, {Name: "OMP_NUM_THREADS", Value: "1"}},
			},
		}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create ClusterTrainingRuntime: %v", err)
	}
	t.Cleanup(func() {
		if err := runtimes.Delete(context.Background(), runtime.Name, metav1.DeleteOptions{}); err != nil {
			t.Errorf("delete ClusterTrainingRuntime %s: %v", runtime.Name, err)
		}
	})
	const name = "tr"
	e.create(ctx, t, &mlv1alpha1.TrainingJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: e.ns, Name: name},
		Spec: mlv1alpha1.TrainingJobSpec{
			RuntimeRef:     &mlv1alpha1.TrainingRuntimeRef{Name: runtime.Name},
			NumProcPerNode: ptr.To[int32](2),
			ContainerSpec: mlv1alpha1.ContainerSpec{
				Args: []string{"train.py"},
				Env:  []corev1.EnvVar{{Name: "NCCL_DEBUG", Value: "INFO"}},
			},
		},
	})
	check := func(pods []corev1.Pod) {
		t.Helper()
		master := fmt.Sprintf("%s-0.%s.%s.svc", name, name, e.ns)
		for i, p := range pods {
			c := p.Spec.Containers[0]
			if c.Image != "registry.example/torch:1" || strings.Join(c.Command, " ") != "torchrun" || strings.Join(c.Args, " ") != "train.py" {
				t.Errorf("pod %s: image %q command %v args %v, want the runtime's image and command and the job's args", p.Name, c.Image, c.Command, c.Args)
			}
			env := framework.PodEnv(&p)
			want := map[string]string{
				"NCCL_DEBUG": "INFO", "OMP_NUM_THREADS": "1",
				"PET_NNODES": "2", "PET_NODE_RANK": fmt.Sprint(i), "PET_NPROC_PER_NODE": "2",
				"PET_MASTER_ADDR": master, "WORLD_SIZE": "4",
			}
			for k, v := range want {
				if env[k] != v {
					t.Errorf("pod %s: %s=%q, want %q", p.Name, k, env[k], v)
				}
			}
		}
	}
	pods := e.waitRunning(ctx, t, name, podNames(name, 2)...)
	check(pods)
	uids := sets.New[string]()
	for _, p := range pods {
		uids.Insert(string(p.UID))
	}

	runtime.Spec.Template.Image = "registry.example/torch:2"
	runtime.Spec.Template.Env[1].Value = "8"
	if _, err := runtimes.Update(ctx, runtime, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("edit the runtime: %v", err)
	}
	job, err := e.ml.MlV1alpha1().TrainingJobs(e.ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if job.Spec.Image != "registry.example/torch:1" || job.Generation != 1 {
		t.Errorf("the job changed with its runtime: image %q, generation %d", job.Spec.Image, job.Generation)
	}
	// The controller builds pods from the job's stored spec and never
	// reads runtimes: the same pods still run, unchanged.
	pods = e.waitRunning(ctx, t, name, podNames(name, 2)...)
	check(pods)
	for _, p := range pods {
		if !uids.Has(string(p.UID)) {
			t.Errorf("pod %s was replaced after the runtime changed", p.Name)
		}
	}
}

// TestRBACTrainingRuntimes: edit and admin manage the TrainingRuntimes of
// their namespace, view reads them; every authenticated user reads
// ClusterTrainingRuntimes and none but cluster admins writes them.
func TestRBACTrainingRuntimes(t *testing.T) {
	ctx := testContext(t, longTimeout)
	ns := cluster.Namespace(t)
	kube := framework.Kube(t, cluster.Config())
	bindSubjects(ctx, t, kube, ns)
	for _, s := range rbacSubjects {
		for _, verb := range objectVerbs {
			got, err := subjectAccess(ctx, kube, s.user, ns, "trainingruntimes", "", verb)
			if err != nil {
				t.Fatal(err)
			}
			if want := mayDo(s.role, "", verb); got != want {
				t.Errorf("%s (role %q) %s trainingruntimes in %s: allowed=%v, want %v", s.user, s.role, verb, ns, got, want)
			}
			got, err = subjectAccess(ctx, kube, s.user, "", "clustertrainingruntimes", "", verb)
			if err != nil {
				t.Fatal(err)
			}
			if want := verb == "get" || verb == "list" || verb == "watch"; got != want {
				t.Errorf("%s (role %q) %s clustertrainingruntimes: allowed=%v, want %v", s.user, s.role, verb, got, want)
			}
		}
	}
}
