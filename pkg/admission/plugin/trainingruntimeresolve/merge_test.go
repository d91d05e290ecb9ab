package trainingruntimeresolve

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the output of the tests")

// golden compares got with testdata/name.golden, or writes it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (go test -update writes it): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("merged spec differs from %s (go test -update rewrites it) (-want +got):\n%s", path, diff)
	}
}

// torchTemplate is a runtime template that sets a field of every merge rule.
func torchTemplate() *ml.TrainingRuntimeTemplate {
	return &ml.TrainingRuntimeTemplate{
		Framework:      ml.FrameworkPyTorch,
		Replicas:       ptr.To[int32](2),
		NumProcPerNode: ptr.To[int32](4),
		MasterPort:     ptr.To[int32](23456),
		ContainerSpec: ml.ContainerSpec{
			Image:   "pytorch/pytorch:2.5",
			Command: []string{"torchrun"},
			Args:    []string{"train.py"},
			Env: []corev1.EnvVar{
				{Name: "NCCL_DEBUG", Value: "WARN"},
				{Name: "OMP_NUM_THREADS", Value: "1"},
			},
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("8Gi")},
				Limits:   corev1.ResourceList{"nvidia.com/gpu": resource.MustParse("1")},
			},
		},
		PodOptions: ml.PodOptions{
			PodMetadata:        &ml.PodMetadata{Labels: map[string]string{"team": "platform", "runtime": "torch"}},
			ServiceAccountName: "trainer",
			NodeSelector:       map[string]string{"accelerator": "a100"},
			Tolerations:        []corev1.Toleration{{Key: "gpu", Operator: corev1.TolerationOpExists}},
			Volumes: []corev1.Volume{
				{Name: "shm", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}}},
				{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "shared"}}},
			},
			VolumeMounts:     []corev1.VolumeMount{{Name: "shm", MountPath: "/dev/shm"}, {Name: "data", MountPath: "/data"}},
			ImagePullSecrets: []corev1.LocalObjectReference{{Name: "registry"}},
			SecurityContext:  &corev1.SecurityContext{RunAsNonRoot: ptr.To(true)},
		},
	}
}

func TestMerge(t *testing.T) {
	tests := map[string]ml.TrainingJobSpec{
		// A job that only names the runtime gets all of it.
		"name-only": {},
		// A job that sets a field of every rule wins field by field.
		"job-overrides": {
			Replicas: ptr.To[int32](4),
			ContainerSpec: ml.ContainerSpec{
				Args: []string{"train.py", "--epochs=3"},
				Env: []corev1.EnvVar{
					{Name: "EPOCHS", Value: "3"},
					{Name: "NCCL_DEBUG", Value: "INFO"},
				},
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("16Gi")},
				},
			},
			PodOptions: ml.PodOptions{
				PodMetadata:  &ml.PodMetadata{Labels: map[string]string{"team": "vision"}},
				NodeSelector: map[string]string{"zone": "b"},
				Volumes: []corev1.Volume{
					{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "imagenet"}}},
					{Name: "ckpt", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				},
				VolumeMounts: []corev1.VolumeMount{{Name: "ckpt", MountPath: "/ckpt"}},
			},
		},
	}
	for name, spec := range tests {
		t.Run(name, func(t *testing.T) {
			template := torchTemplate()
			before := template.DeepCopy()
			Merge(&spec, template)
			if diff := cmp.Diff(before, template); diff != "" {
				t.Errorf("Merge changed the runtime's template (-before +after):\n%s", diff)
			}
			out, err := yaml.Marshal(spec)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "merge-"+name, out)
		})
	}
}

// TestMergeDoesNotShareTheTemplate: editing what the job got from the
// runtime (or the runtime) afterwards does not reach the other.
func TestMergeDoesNotShareTheTemplate(t *testing.T) {
	template := torchTemplate()
	spec := ml.TrainingJobSpec{}
	Merge(&spec, template)
	template.Env[0].Value = "edited"
	template.NodeSelector["accelerator"] = "edited"
	*template.Replicas = 9
	if spec.Env[0].Value != "WARN" || spec.NodeSelector["accelerator"] != "a100" || *spec.Replicas != 2 {
		t.Errorf("the job's spec follows the runtime's template: env %v, nodeSelector %v, replicas %d", spec.Env, spec.NodeSelector, *spec.Replicas)
	}
}

// tfTemplate is a TensorFlow runtime with roles: a chief with its own
// command, parameter servers with their own image and resources, workers
// with an env variable.
func tfTemplate() *ml.TrainingRuntimeTemplate {
	return &ml.TrainingRuntimeTemplate{
		Framework: ml.FrameworkTensorFlow,
		Replicas:  ptr.To[int32](2),
		ContainerSpec: ml.ContainerSpec{
			Image:   "tensorflow/tensorflow:2.17.0",
			Command: []string{"python3", "train.py"},
			Env:     []corev1.EnvVar{{Name: "TF_CPP_MIN_LOG_LEVEL", Value: "2"}},
		},
		Roles: []ml.ReplicaRole{
			{Name: ml.RoleChief, Replicas: ptr.To[int32](1), ContainerSpec: ml.ContainerSpec{
				Args: []string{"--checkpoint-dir=/ckpt"},
			}},
			{Name: ml.RoleWorker, ContainerSpec: ml.ContainerSpec{
				Env: []corev1.EnvVar{{Name: "ROLE_KIND", Value: "compute"}, {Name: "BATCH", Value: "64"}},
			}},
			{Name: ml.RolePS, Replicas: ptr.To[int32](2), ContainerSpec: ml.ContainerSpec{
				Image: "tensorflow/tensorflow:2.17.0-ps",
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("16Gi")},
				},
			}},
		},
	}
}

// TestMergeRoles: roles merge by name, field by field, the job's winning;
// roles only the job has come after the runtime's.
func TestMergeRoles(t *testing.T) {
	tests := map[string]ml.TrainingJobSpec{
		"roles-name-only": {},
		"roles-job-overrides": {
			Replicas: ptr.To[int32](4),
			Roles: []ml.ReplicaRole{
				{Name: ml.RoleEvaluator, ContainerSpec: ml.ContainerSpec{Args: []string{"--eval"}}},
				{Name: ml.RolePS, Replicas: ptr.To[int32](1), ContainerSpec: ml.ContainerSpec{
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("32Gi")}},
				}},
				{Name: ml.RoleWorker, ContainerSpec: ml.ContainerSpec{
					Command: []string{"python3", "worker.py"},
					Env:     []corev1.EnvVar{{Name: "BATCH", Value: "128"}},
				}},
				{Name: ml.RoleChief, Replicas: ptr.To[int32](0)},
			},
		},
	}
	for name, spec := range tests {
		t.Run(name, func(t *testing.T) {
			template := tfTemplate()
			before := template.DeepCopy()
			Merge(&spec, template)
			defaultTemplateFields(&spec)
			if diff := cmp.Diff(before, template); diff != "" {
				t.Errorf("Merge changed the runtime's template (-before +after):\n%s", diff)
			}
			out, err := yaml.Marshal(spec)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "merge-"+name, out)
		})
	}
}

// A job's role merges over the runtime's role of the same name: its
// nodeSelector by key, its tolerations whole when it has any.
func TestMergeRoleScheduling(t *testing.T) {
	gpu := corev1.Toleration{Key: "nvidia.com/gpu", Operator: corev1.TolerationOpExists}
	spot := corev1.Toleration{Key: "spot", Operator: corev1.TolerationOpExists}
	runtime := &ml.TrainingRuntimeTemplate{Roles: []ml.ReplicaRole{
		{Name: ml.RoleWorker, NodeSelector: map[string]string{"pool": "gpu", "zone": "a"}, Tolerations: []corev1.Toleration{gpu}},
		{Name: ml.RolePS, NodeSelector: map[string]string{"pool": "cpu"}, Tolerations: []corev1.Toleration{spot}},
	}}
	spec := ml.TrainingJobSpec{Roles: []ml.ReplicaRole{
		{Name: ml.RoleWorker, NodeSelector: map[string]string{"zone": "b"}},
		{Name: ml.RolePS, Tolerations: []corev1.Toleration{gpu}},
	}}
	Merge(&spec, runtime)
	want := []ml.ReplicaRole{
		{Name: ml.RoleWorker, NodeSelector: map[string]string{"pool": "gpu", "zone": "b"}, Tolerations: []corev1.Toleration{gpu}},
		{Name: ml.RolePS, NodeSelector: map[string]string{"pool": "cpu"}, Tolerations: []corev1.Toleration{gpu}},
	}
	if diff := cmp.Diff(want, spec.Roles); diff != "" {
		t.Errorf("merged roles (-want +got):\n%s", diff)
	}
}
