package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/e2e/framework"
)

// TestTrainingJobRoles: a TensorFlow job with a chief, 2 workers and a
// parameter server, its roles from a ClusterTrainingRuntime, makes 4 pods
// named by role, each with a TF_CONFIG listing the whole cluster and its
// own task, and the ps with its role's image; the job succeeds with its
// chief and the running ps goes. An MPI job's launcher pod carries its
// hostfile, mounted by a downward API volume that kube-apiserver accepts.
func TestTrainingJobRoles(t *testing.T) {
	ctx := testContext(t, 5*time.Minute)
	e := newTJEnv(t)
	runtimes := e.ml.MlV1alpha1().ClusterTrainingRuntimes()
	runtime, err := runtimes.Create(ctx, &mlv1alpha1.ClusterTrainingRuntime{
		ObjectMeta: metav1.ObjectMeta{Name: "tf-roles-" + e.ns},
		Spec: mlv1alpha1.TrainingRuntimeSpec{Template: mlv1alpha1.TrainingRuntimeTemplate{
			Framework:  mlv1alpha1.FrameworkTensorFlow,
			MasterPort: ptr.To[int32](2222),
			ContainerSpec: mlv1alpha1.ContainerSpec{
				Image:   "registry.example/tf:2",
				Command: []string{"python3", "train.py"},
			},
			Roles: []mlv1alpha1.ReplicaRole{
				{Name: mlv1alpha1.RoleChief, Replicas: ptr.To[int32](1)},
				// The workers go to one node; the job's worker role adds
				// a key to the runtime's selector.
				{Name: mlv1alpha1.RoleWorker, NodeSelector: map[string]string{"kubernetes.io/hostname": "kwok-node-1"}},
				{Name: mlv1alpha1.RolePS, Replicas: ptr.To[int32](1), ContainerSpec: mlv1alpha1.ContainerSpec{Image: "registry.example/tf-ps:2"}},
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
	const name = "tf"
	e.create(ctx, t, &mlv1alpha1.TrainingJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: e.ns, Name: name},
		Spec: mlv1alpha1.TrainingJobSpec{
			RuntimeRef: &mlv1alpha1.TrainingRuntimeRef{Name: runtime.Name},
			Replicas:   ptr.To[int32](2),
			Roles:      []mlv1alpha1.ReplicaRole{{Name: mlv1alpha1.RoleWorker, NodeSelector: map[string]string{"type": "kwok"}}},
		},
	})
	pods := e.waitRunning(ctx, t, name, "tf-chief-0", "tf-ps-0", "tf-worker-0", "tf-worker-1") // sorted, as listed
	host := func(pod string) string { return fmt.Sprintf("%s.%s.%s.svc:2222", pod, name, e.ns) }
	wantCluster := map[string][]string{
		"chief":  {host("tf-chief-0")},
		"worker": {host("tf-worker-0"), host("tf-worker-1")},
		"ps":     {host("tf-ps-0")},
	}
	for _, p := range pods {
		var cfg struct {
			Cluster map[string][]string `json:"cluster"`
			Task    struct {
				Type  string `json:"type"`
				Index int    `json:"index"`
			} `json:"task"`
		}
		env := framework.PodEnv(&p)
		if err := json.Unmarshal([]byte(env["TF_CONFIG"]), &cfg); err != nil {
			t.Fatalf("pod %s: TF_CONFIG %q: %v", p.Name, env["TF_CONFIG"], err)
		}
		if diff := cmp.Diff(wantCluster, cfg.Cluster); diff != "" {
			t.Errorf("pod %s: TF_CONFIG cluster (-want +got):\n%s", p.Name, diff)
		}
		role, index := p.Labels[mlv1alpha1.ReplicaRoleLabel], p.Labels[mlv1alpha1.ReplicaIndexLabel]
		if got := fmt.Sprintf("%s-%s-%d", name, cfg.Task.Type, cfg.Task.Index); got != p.Name || cfg.Task.Type != role || fmt.Sprint(cfg.Task.Index) != index {
			t.Errorf("pod %s (role %s, index %s): TF_CONFIG task %+v", p.Name, role, index, cfg.Task)
		}
		if env["ML_REPLICA_ROLE"] != role || p.Spec.Hostname != p.Name || p.Spec.Subdomain != name {
			t.Errorf("pod %s: ML_REPLICA_ROLE %q, hostname %s.%s", p.Name, env["ML_REPLICA_ROLE"], p.Spec.Hostname, p.Spec.Subdomain)
		}
		wantImage := "registry.example/tf:2"
		if role == mlv1alpha1.RolePS {
			wantImage = "registry.example/tf-ps:2"
		}
		if c := p.Spec.Containers[0]; c.Image != wantImage {
			t.Errorf("pod %s: image %q, want %q", p.Name, c.Image, wantImage)
		}
		// The workers' selector is the runtime's and the job's role's
		// together, and the scheduler placed them by it.
		if role == mlv1alpha1.RoleWorker {
			want := map[string]string{"kubernetes.io/hostname": "kwok-node-1", "type": "kwok"}
			if diff := cmp.Diff(want, p.Spec.NodeSelector); diff != "" || p.Spec.NodeName != "kwok-node-1" {
				t.Errorf("worker pod %s on node %q, nodeSelector (-want +got):\n%s", p.Name, p.Spec.NodeName, diff)
			}
		} else if len(p.Spec.NodeSelector) != 0 {
			t.Errorf("pod %s of role %s has the workers' nodeSelector %v", p.Name, role, p.Spec.NodeSelector)
		}
	}

	// The job ends with its chief; the running ps and workers go.
	e.exitPods(t, 0, "", "tf-chief-0")
	framework.WaitTrainingJob(ctx, t, e.ml, e.ns, name, jobTimeout, "Succeeded", func(j *mlv1alpha1.TrainingJob) (bool, string) {
		return j.Status.Phase == mlv1alpha1.TrainingJobSucceeded, framework.DescribeJobStatus(j)
	})
	framework.WaitJobPods(ctx, t, e.kube, e.ns, name, jobTimeout, "only the chief left", func(pods []corev1.Pod) (bool, string) {
		var names []string
		for _, p := range pods {
			names = append(names, p.Name)
		}
		return len(pods) == 1 && pods[0].Name == "tf-chief-0", fmt.Sprint(names)
	})

	const mpi = "mpi"
	e.create(ctx, t, &mlv1alpha1.TrainingJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: e.ns, Name: mpi},
		Spec: mlv1alpha1.TrainingJobSpec{
			Framework:      mlv1alpha1.FrameworkMPI,
			Replicas:       ptr.To[int32](2),
			NumProcPerNode: ptr.To[int32](4),
			Roles: []mlv1alpha1.ReplicaRole{
				{Name: mlv1alpha1.RoleLauncher, ContainerSpec: mlv1alpha1.ContainerSpec{Command: []string{"mpirun", "python3", "train.py"}}},
				{Name: mlv1alpha1.RoleWorker, ContainerSpec: mlv1alpha1.ContainerSpec{Command: []string{"/usr/sbin/sshd", "-De"}}},
			},
			ContainerSpec: mlv1alpha1.ContainerSpec{Image: "registry.example/mpi:1"},
		},
	})
	pods = e.waitRunning(ctx, t, mpi, "mpi-launcher-0", "mpi-worker-0", "mpi-worker-1")
	launcher := pods[0]
	for _, p := range pods {
		if p.Name == "mpi-launcher-0" {
			launcher = p
		}
	}
	wantHostfile := fmt.Sprintf("mpi-worker-0.mpi.%[1]s.svc slots=4\nmpi-worker-1.mpi.%[1]s.svc slots=4\n", e.ns)
	if got := launcher.Annotations[mlv1alpha1.HostfileAnnotation]; got != wantHostfile {
		t.Errorf("launcher hostfile annotation %q, want %q", got, wantHostfile)
	}
	env := framework.PodEnv(&launcher)
	if env["OMPI_MCA_orte_default_hostfile"] != "/etc/mpi/hostfile" || env["ML_NUM_PROCESSES"] != "8" {
		t.Errorf("launcher env %v", env)
	}
	mounted := false
	for _, m := range launcher.Spec.Containers[0].VolumeMounts {
		mounted = mounted || m.MountPath == "/etc/mpi"
	}
	if !mounted {
		t.Errorf("launcher mounts %+v, want the hostfile volume at /etc/mpi", launcher.Spec.Containers[0].VolumeMounts)
	}
	e.exitPods(t, 0, "", "mpi-launcher-0")
	framework.WaitTrainingJob(ctx, t, e.ml, e.ns, mpi, jobTimeout, "Succeeded", func(j *mlv1alpha1.TrainingJob) (bool, string) {
		return j.Status.Phase == mlv1alpha1.TrainingJobSucceeded, framework.DescribeJobStatus(j)
	})
}
