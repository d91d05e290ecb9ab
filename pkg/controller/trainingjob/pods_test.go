package trainingjob

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
	"ml.example.io/ml-apiserver/pkg/workload/podtemplatetest"
)

func TestReplicaSpec(t *testing.T) {
	job := makeJob("a").Framework(ml.FrameworkPyTorch).Replicas(2).V1alpha1()
	job.Spec.Args = []string{"--epochs", "3"}
	job.Spec.Env = []corev1.EnvVar{{Name: "EPOCHS", Value: "3"}, {Name: "LOCAL_RANK", Value: "7"}}
	job.Spec.Resources = corev1.ResourceRequirements{Limits: corev1.ResourceList{"nvidia.com/gpu": resource.MustParse("1")}}
	job.Spec.PodMetadata = &mlv1alpha1.PodMetadata{
		Labels:      map[string]string{"team": "vision", mlv1alpha1.TrainingJobNameLabel: "spoofed"},
		Annotations: map[string]string{"pod-exit.stage.kwok.x-k8s.io/exit-code": "0"},
	}
	job.Spec.ServiceAccountName = "trainer"
	job.Spec.NodeSelector = map[string]string{"gpu": "a100"}
	job.Spec.Tolerations = []corev1.Toleration{{Key: "gpu", Operator: corev1.TolerationOpExists}}
	job.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
		PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "imagenet"}}}}
	job.Spec.VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}
	job.Spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "registry"}}
	job.Spec.SecurityContext = &corev1.SecurityContext{RunAsNonRoot: ptr.To(true)}
	job.Spec.PodSecurityContext = &corev1.PodSecurityContext{FSGroup: ptr.To[int64](1000)}

	got := replicaSpec(job, 1)

	env := replicaEnv(job, 1)
	var injected []corev1.EnvVar
	for _, e := range env {
		if e.Name != "LOCAL_RANK" {
			injected = append(injected, e)
		}
	}
	want := workload.ReplicaSpec{
		Name: "a-1",
		Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{
				Labels: map[string]string{
					"team":                          "vision",
					mlv1alpha1.TrainingJobNameLabel: "a",
					mlv1alpha1.ReplicaIndexLabel:    "1",
				},
				Annotations: map[string]string{"pod-exit.stage.kwok.x-k8s.io/exit-code": "0", mlv1alpha1.GangSizeAnnotation: "2"},
			},
			Spec: corev1.PodSpec{
				RestartPolicy:      corev1.RestartPolicyNever,
				Hostname:           "a-1",
				Subdomain:          "a",
				ServiceAccountName: "trainer",
				NodeSelector:       map[string]string{"gpu": "a100"},
				Tolerations:        []corev1.Toleration{{Key: "gpu", Operator: corev1.TolerationOpExists}},
				Volumes:            job.Spec.Volumes,
				ImagePullSecrets:   []corev1.LocalObjectReference{{Name: "registry"}},
				SecurityContext:    &corev1.PodSecurityContext{FSGroup: ptr.To[int64](1000)},
				Containers: []corev1.Container{{
					Name:                     ContainerName,
					Image:                    "trainer:1",
					Command:                  []string{"python", "train.py"},
					Args:                     []string{"--epochs", "3"},
					Env:                      append(injected, job.Spec.Env...),
					Resources:                job.Spec.Resources,
					Ports:                    []corev1.ContainerPort{{Name: PortName, ContainerPort: 29500, Protocol: corev1.ProtocolTCP}},
					VolumeMounts:             []corev1.VolumeMount{{Name: "data", MountPath: "/data"}},
					SecurityContext:          &corev1.SecurityContext{RunAsNonRoot: ptr.To(true)},
					TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
				}},
			},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("replica spec (-want +got):\n%s", diff)
	}

	// The spec must not share memory with the job.
	got.Template.Spec.Containers[0].Command[0] = "changed"
	got.Template.Spec.NodeSelector["gpu"] = "changed"
	if job.Spec.Command[0] != "python" || job.Spec.NodeSelector["gpu"] != "a100" {
		t.Errorf("changing the pod changed the job")
	}
}

// TestMergeEnv: a variable of spec.env replaces the injected one of the
// same name, which keeps the others.
func TestMergeEnv(t *testing.T) {
	job := makeJob("a").Framework(ml.FrameworkPyTorch).Replicas(2).V1alpha1()
	job.Spec.Env = []corev1.EnvVar{{Name: "WORLD_SIZE", Value: "8"}, {Name: "LR", Value: "0.1"}}
	got := map[string][]string{}
	for _, e := range replicaSpec(job, 0).Template.Spec.Containers[0].Env {
		got[e.Name] = append(got[e.Name], e.Value)
	}
	want := map[string][]string{"RANK": {"0"}, "WORLD_SIZE": {"8"}, "LR": {"0.1"}}
	for name, values := range want {
		if diff := cmp.Diff(values, got[name]); diff != "" {
			t.Errorf("env %s (-want +got):\n%s", name, diff)
		}
	}
}

func TestHeadlessService(t *testing.T) {
	job := makeJob("a").V1alpha1()
	job.Spec.MasterPort = ptr.To[int32](23456)
	want := workload.ServiceSpec{
		Name:     "a",
		Labels:   map[string]string{mlv1alpha1.TrainingJobNameLabel: "a"},
		Selector: map[string]string{mlv1alpha1.TrainingJobNameLabel: "a"},
		Ports: []corev1.ServicePort{{
			Name: PortName, Port: 23456, TargetPort: intstr.FromInt32(23456), Protocol: corev1.ProtocolTCP,
		}},
		Headless: true,
	}
	if diff := cmp.Diff(want, headlessService(job)); diff != "" {
		t.Errorf("service (-want +got):\n%s", diff)
	}
}

// TestReplicaFields: every container and pod field of the spec reaches
// the pod of a replica.
func TestReplicaFields(t *testing.T) {
	podtemplatetest.CheckFields(t, func(_ *testing.T, c *mlv1alpha1.ContainerSpec, opts *mlv1alpha1.PodOptions) corev1.PodTemplateSpec {
		job := makeJob("a").Framework(ml.FrameworkPyTorch).Replicas(2).V1alpha1()
		job.Spec.ContainerSpec, job.Spec.PodOptions = *c, *opts
		return replicaSpec(job, 1).Template
	}, nil)
}

// TestGangSize: the replicas of a job whose ranks rendezvous carry how
// many of them run together; Generic and single-replica jobs none.
func TestGangSize(t *testing.T) {
	elastic := makeJob("e").Framework(ml.FrameworkPyTorch).Replicas(3).Elastic(2, 4).V1alpha1()
	for _, c := range []struct {
		name string
		job  *mlv1alpha1.TrainingJob
		want string
	}{
		{"PyTorch of 2", makeJob("a").Framework(ml.FrameworkPyTorch).Replicas(2).V1alpha1(), "2"},
		{"PyTorch of 1", makeJob("a").Framework(ml.FrameworkPyTorch).Replicas(1).V1alpha1(), ""},
		{"Generic of 4", makeJob("a").Framework(ml.FrameworkGeneric).Replicas(4).V1alpha1(), ""},
		{"TensorFlow: chief, 3 workers, 2 ps", makeJob("a").TFRoles(3, 2).V1alpha1(), "6"},
		{"MPI: launcher and 2 workers", makeJob("a").MPIRoles(2, 4).V1alpha1(), "3"},
		{"elastic: its minimum", elastic, "2"},
	} {
		for i := range totalReplicas(c.job) {
			if got := replicaSpec(c.job, i).Template.Annotations[mlv1alpha1.GangSizeAnnotation]; got != c.want {
				t.Errorf("%s: replica %d has gang size %q, want %q", c.name, i, got, c.want)
			}
		}
	}
}
