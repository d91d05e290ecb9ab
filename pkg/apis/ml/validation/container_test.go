package validation_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

// The container rules are shared by pipeline tasks, TrainingJobs and
// Notebooks; they are tested here through TrainingJob.
func TestValidateContainerSpec(t *testing.T) {
	cases := []struct {
		name string
		obj  *ml.TrainingJob
		want []string
	}{
		{name: "image only", obj: job().Obj()},
		{name: "command only", obj: job().Image("").Command("python", "train.py").Obj()},
		{name: "neither image nor command", obj: job().Image("").Args("--lr", "1").Obj(), want: []string{"spec.image: Required value"}},

		{name: "env", obj: job().Env("EPOCHS", "3").Env("_private", "").Obj()},
		{name: "env name required", obj: job().Env("", "x").Obj(), want: []string{"spec.env[0].name: Required value"}},
		{name: "env name invalid", obj: job().Env("1EPOCH", "x").Obj(), want: []string{"spec.env[0].name: Invalid value"}},
		{name: "env names unique", obj: job().Env("A", "1").Env("A", "2").Obj(), want: []string{"spec.env[1].name: Duplicate value"}},
		{
			name: "env valueFrom",
			obj:  job().EnvVar(corev1.EnvVar{Name: "POD", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}}).Obj(),
		},
		{
			name: "env value and valueFrom",
			obj:  job().EnvVar(corev1.EnvVar{Name: "POD", Value: "x", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}}).Obj(),
			want: []string{"spec.env[0].valueFrom: Invalid value"},
		},
		{
			name: "env valueFrom empty",
			obj:  job().EnvVar(corev1.EnvVar{Name: "POD", ValueFrom: &corev1.EnvVarSource{}}).Obj(),
			want: []string{"spec.env[0].valueFrom: Required value"},
		},
		{
			name: "env valueFrom two sources",
			obj: job().EnvVar(corev1.EnvVar{Name: "POD", ValueFrom: &corev1.EnvVarSource{
				FieldRef:     &corev1.ObjectFieldSelector{FieldPath: "metadata.name"},
				SecretKeyRef: &corev1.SecretKeySelector{Key: "k"},
			}}).Obj(),
			want: []string{"spec.env[0].valueFrom: Invalid value"},
		},

		{name: "resources", obj: job().Request("cpu", "1").Limit("cpu", "2").Request("memory", "1Gi").Limit("nvidia.com/gpu", "1").Request("hugepages-2Mi", "2Mi").Obj()},
		{name: "request equal to limit", obj: job().Request("memory", "1Gi").Limit("memory", "1024Mi").Obj()},
		{name: "request above limit", obj: job().Request("cpu", "2").Limit("cpu", "1").Obj(), want: []string{"spec.resources.requests[cpu]: Invalid value"}},
		{name: "negative request", obj: job().Request("cpu", "-1").Obj(), want: []string{"spec.resources.requests[cpu]: Invalid value"}},
		{name: "negative limit", obj: job().Limit("memory", "-1Gi").Obj(), want: []string{"spec.resources.limits[memory]: Invalid value"}},
		{name: "extended resource without a domain", obj: job().Limit("gpu", "1").Obj(), want: []string{"spec.resources.limits[gpu]: Invalid value"}},
		{name: "resource name not a qualified name", obj: job().Request("example.com/a/b", "1").Obj(), want: []string{"spec.resources.requests[example.com/a/b]: Invalid value"}},
		{
			name: "resource claims",
			obj: func() *ml.TrainingJob {
				j := job().Obj()
				j.Spec.Resources.Claims = []corev1.ResourceClaim{{Name: "gpu"}}
				return j
			}(),
			want: []string{"spec.resources.claims: Forbidden"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, tc.want, validation.ValidateTrainingJob(tc.obj, opts))
		})
	}
}

// The pod rules are shared by every kind that makes pods; they are tested
// here through TrainingJob.
func TestValidatePodOptions(t *testing.T) {
	emptyDir := corev1.Volume{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
	cases := []struct {
		name string
		obj  *ml.TrainingJob
		want []string
	}{
		{name: "serviceAccountName", obj: job().ServiceAccountName("trainer.v1").Obj()},
		{name: "serviceAccountName invalid", obj: job().ServiceAccountName("Trainer").Obj(), want: []string{"spec.serviceAccountName: Invalid value"}},
		{name: "nodeSelector", obj: job().NodeSelector("nvidia.com/gpu.product", "A100").Obj()},
		{name: "nodeSelector key invalid", obj: job().NodeSelector("gpu type", "a100").Obj(), want: []string{"spec.nodeSelector: Invalid value"}},
		{name: "nodeSelector value invalid", obj: job().NodeSelector("gpu", "a100/80g").Obj(), want: []string{"spec.nodeSelector: Invalid value"}},
		{name: "podMetadata", obj: job().PodLabel("team", "vision").PodAnnotation("example.com/note", "any text / at all").Obj()},
		{name: "pod label value invalid", obj: job().PodLabel("team", "vision team").Obj(), want: []string{"spec.podMetadata.labels: Invalid value"}},
		{name: "pod annotation key invalid", obj: job().PodAnnotation("bad key", "x").Obj(), want: []string{"spec.podMetadata.annotations: Invalid value"}},

		{name: "tolerations", obj: job().Toleration(corev1.Toleration{Key: "gpu", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}).Obj()},
		{name: "toleration of every taint", obj: job().Toleration(corev1.Toleration{Operator: corev1.TolerationOpExists}).Obj()},
		{name: "toleration Exists with a value", obj: job().Toleration(corev1.Toleration{Key: "gpu", Operator: corev1.TolerationOpExists, Value: "x"}).Obj(), want: []string{"spec.tolerations[0].value: Invalid value"}},
		{name: "toleration without key must be Exists", obj: job().Toleration(corev1.Toleration{Value: "x"}).Obj(), want: []string{"spec.tolerations[0].operator: Invalid value"}},
		{name: "toleration operator unknown", obj: job().Toleration(corev1.Toleration{Key: "gpu", Operator: "In"}).Obj(), want: []string{"spec.tolerations[0].operator: Unsupported value"}},
		{name: "toleration effect unknown", obj: job().Toleration(corev1.Toleration{Key: "gpu", Value: "x", Effect: "NoRun"}).Obj(), want: []string{"spec.tolerations[0].effect: Unsupported value"}},

		{name: "volumes and mounts", obj: job().PVCVolume("data", "imagenet").Volume(emptyDir).VolumeMount("data", "/data").VolumeMount("scratch", "/tmp/scratch").Obj()},
		{name: "volume name required", obj: job().PVCVolume("", "imagenet").Obj(), want: []string{"spec.volumes[0].name: Required value"}},
		{name: "volume name not a DNS label", obj: job().PVCVolume("Data", "imagenet").Obj(), want: []string{"spec.volumes[0].name: Invalid value"}},
		{name: "volume names unique", obj: job().PVCVolume("data", "a").PVCVolume("data", "b").Obj(), want: []string{"spec.volumes[1].name: Duplicate value"}},
		{name: "volume without a source", obj: job().Volume(corev1.Volume{Name: "data"}).Obj(), want: []string{"spec.volumes[0]: Required value"}},
		{
			name: "volume with two sources",
			obj: job().Volume(corev1.Volume{Name: "data", VolumeSource: corev1.VolumeSource{
				EmptyDir:              &corev1.EmptyDirVolumeSource{},
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "c"},
			}}).Obj(),
			want: []string{"spec.volumes[0]: Forbidden"},
		},
		{name: "mount of an undeclared volume", obj: job().VolumeMount("data", "/data").Obj(), want: []string{"spec.volumeMounts[0].name: Invalid value"}},
		{name: "mount name required", obj: job().VolumeMount("", "/data").Obj(), want: []string{"spec.volumeMounts[0].name: Required value"}},
		{name: "mountPath required", obj: job().PVCVolume("data", "c").VolumeMount("data", "").Obj(), want: []string{"spec.volumeMounts[0].mountPath: Required value"}},
		{name: "mountPath relative", obj: job().PVCVolume("data", "c").VolumeMount("data", "data").Obj(), want: []string{"spec.volumeMounts[0].mountPath: Invalid value"}},
		{name: "mountPaths unique", obj: job().PVCVolume("data", "c").Volume(emptyDir).VolumeMount("data", "/data").VolumeMount("scratch", "/data/").Obj(), want: []string{"spec.volumeMounts[1].mountPath: Duplicate value"}},

		{name: "imagePullSecrets", obj: job().ImagePullSecret("registry").Obj()},
		{name: "imagePullSecret name required", obj: job().ImagePullSecret("").Obj(), want: []string{"spec.imagePullSecrets[0].name: Required value"}},
		{name: "imagePullSecret names unique", obj: job().ImagePullSecret("r").ImagePullSecret("r").Obj(), want: []string{"spec.imagePullSecrets[1].name: Duplicate value"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, tc.want, validation.ValidateTrainingJob(tc.obj, opts))
		})
	}
}
