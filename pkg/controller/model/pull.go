package model

import (
	"net/url"
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// ModelPath is where the model's files are in the server container, read
// only, also in ML_MODEL_PATH.
const ModelPath = "/ml/model"

// Names of what the pods get for the model's files.
const (
	// PullContainerName is the init container that downloads them.
	PullContainerName = "model-pull"
	// ModelVolumeName is the volume they are in: an emptyDir the init
	// container fills, or the claim of a pvc:// source.
	ModelVolumeName = "ml-model"
)

// PullConfig says how server pods get their model files.
type PullConfig struct {
	// HelperImage is the image of the pull init container: the server's
	// own, which runs `ml-apiserver artifact pull`.
	HelperImage string
	// CredentialsEnv are the environment variables of the pull init
	// container that give it the namespace's artifact store credentials
	// (secretKeyRefs of the namespace's Secret, never the server's own).
	CredentialsEnv []corev1.EnvVar
}

// pulledSchemes are the schemes of the URIs a pull init container
// downloads; an absolute path is a file.
var pulledSchemes = map[string]bool{"s3": true, "file": true, "https": true}

// addModelFiles puts the model files at uri in place for the server
// container of t, at ModelPath, read only: a pvc:// source mounts its
// claim read only; s3://, https:// and file:// ones are downloaded by an
// init container into an emptyDir. Other schemes (a TrainingJob's
// outputURI may have any) get nothing: the server reads ML_MODEL_URI.
func addModelFiles(t *corev1.PodTemplateSpec, uri string, pull PullConfig) {
	u, err := url.Parse(uri)
	if err != nil {
		return
	}
	scheme := schemeOf(uri)
	server := &t.Spec.Containers[0]
	mount := corev1.VolumeMount{Name: ModelVolumeName, MountPath: ModelPath, ReadOnly: true}
	switch {
	case scheme == "pvc":
		t.Spec.Volumes = append(t.Spec.Volumes, corev1.Volume{Name: ModelVolumeName, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: u.Host, ReadOnly: true},
		}})
		mount.SubPath = strings.Trim(u.Path, "/")
	case pulledSchemes[scheme]:
		t.Spec.Volumes = append(t.Spec.Volumes, corev1.Volume{Name: ModelVolumeName, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
		var env []corev1.EnvVar
		if scheme != "https" {
			// A download needs no store.
			env = pull.CredentialsEnv
		}
		t.Spec.InitContainers = append(t.Spec.InitContainers, workload.PullContainer(PullContainerName, pull.HelperImage, ModelVolumeName,
			workload.Pull{URI: uri, Path: ModelPath}, env))
	default:
		return
	}
	server.VolumeMounts = append(server.VolumeMounts, mount)
	server.Env = append(server.Env, corev1.EnvVar{Name: "ML_MODEL_PATH", Value: ModelPath})
}

// schemeOf is the scheme of uri, "file" for an absolute path, "" for an
// unparsable one.
func schemeOf(uri string) string {
	u, err := url.Parse(uri)
	switch {
	case err != nil:
		return ""
	case u.Scheme == "" && path.IsAbs(uri):
		return "file"
	}
	return u.Scheme
}
