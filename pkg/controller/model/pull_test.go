package model

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// TestModelFiles checks how the pods get the model files of each kind of
// source: a pull init container into an emptyDir (s3://, https://,
// file://) with the namespace's credentials, a read-only claim (pvc://),
// nothing for a scheme nobody downloads; the server mounts them read only
// at ModelPath, named in ML_MODEL_PATH.
func TestModelFiles(t *testing.T) {
	creds := []corev1.EnvVar{{Name: "ML_ARTIFACT_S3_ACCESS_KEY_ID", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: "ml-artifact-store"}, Key: "accessKeyID", Optional: ptr.To(true),
	}}}}
	pull := PullConfig{HelperImage: "registry.example/ml-apiserver:v1", CredentialsEnv: creds}
	serverMount := corev1.VolumeMount{Name: ModelVolumeName, MountPath: ModelPath, ReadOnly: true}
	pathEnv := corev1.EnvVar{Name: "ML_MODEL_PATH", Value: ModelPath}
	emptyDir := corev1.Volume{Name: ModelVolumeName, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
	initFor := func(uri string) corev1.Container {
		env := creds
		if strings.HasPrefix(uri, "https://") {
			env = nil
		}
		return corev1.Container{
			Name:         PullContainerName,
			Image:        "registry.example/ml-apiserver:v1",
			Command:      []string{"ml-apiserver", "artifact", "pull", "--uri", uri, "--path", ModelPath},
			Env:          env,
			VolumeMounts: []corev1.VolumeMount{{Name: ModelVolumeName, MountPath: ModelPath}},
		}
	}
	type want struct {
		init    []corev1.Container
		volumes []corev1.Volume
		mounts  []corev1.VolumeMount
		env     []corev1.EnvVar
	}
	cases := []struct {
		uri  string
		want want
	}{
		{"s3://bucket/ns/TrainingJob/t/uid/t/model", want{[]corev1.Container{initFor("s3://bucket/ns/TrainingJob/t/uid/t/model")}, []corev1.Volume{emptyDir}, []corev1.VolumeMount{serverMount}, []corev1.EnvVar{pathEnv}}},
		{"https://models.example.com/resnet.onnx", want{[]corev1.Container{initFor("https://models.example.com/resnet.onnx")}, []corev1.Volume{emptyDir}, []corev1.VolumeMount{serverMount}, []corev1.EnvVar{pathEnv}}},
		{"file:///srv/models/a", want{[]corev1.Container{initFor("file:///srv/models/a")}, []corev1.Volume{emptyDir}, []corev1.VolumeMount{serverMount}, []corev1.EnvVar{pathEnv}}},
		{"pvc://models/resnet/v2", want{nil, []corev1.Volume{{Name: ModelVolumeName, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "models", ReadOnly: true},
		}}}, []corev1.VolumeMount{{Name: ModelVolumeName, MountPath: ModelPath, ReadOnly: true, SubPath: "resnet/v2"}}, []corev1.EnvVar{pathEnv}}},
		{"gs://bucket/model", want{}},
	}
	for _, tc := range cases {
		t.Run(tc.uri, func(t *testing.T) {
			m := makeModel("a").obj()
			m.Spec.Source.URI = tc.uri
			tmpl := servedSet(m, TrackStable, tc.uri, 1, pull).Template
			server := tmpl.Spec.Containers[0]
			var env []corev1.EnvVar
			for _, e := range server.Env {
				if e.Name == "ML_MODEL_PATH" {
					env = append(env, e)
				}
			}
			got := want{tmpl.Spec.InitContainers, tmpl.Spec.Volumes, server.VolumeMounts, env}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("pod template (-want +got):\n%s", diff)
			}
			for i := range tmpl.Spec.InitContainers {
				p, ok := workload.ParsePull(&tmpl.Spec.InitContainers[i])
				if !ok || p.URI != tc.uri || p.Path != ModelPath {
					t.Errorf("the local runtime reads the init container as %+v, %v", p, ok)
				}
			}
		})
	}
}
