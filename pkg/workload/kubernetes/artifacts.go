package kubernetes

import (
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
	"ml.example.io/ml-apiserver/pkg/workload"
	"ml.example.io/ml-apiserver/pkg/workload/artifacthelper"
)

// Defaults of ArtifactConfig.
const (
	// DefaultArtifactHelperImage is the image of artifacts/deploy.
	DefaultArtifactHelperImage = "ml-apiserver:latest"
	// DefaultArtifactSecretName is the Secret of a namespace that
	// describes its artifact store.
	DefaultArtifactSecretName = artifactstore.DefaultSecretName
)

// Names and paths the artifact steps add to a pod.
const (
	ArtifactPullContainer = "ml-artifact-pull"
	artifactsVolume       = "ml-artifacts"
	helperVolume          = "ml-artifact-helper"
	helperDir             = "/ml/helper"
	// HelperPath is where the pull step installs the server's binary for
	// the push step of the main container.
	HelperPath = helperDir + "/ml-apiserver"
)

// ArtifactConfig is how pods move their artifacts.
type ArtifactConfig struct {
	// HelperImage is the image of the pull step: the server's own
	// (--artifact-helper-image).
	HelperImage string
	// SecretName is the Secret of the pod's namespace whose keys configure
	// the store (artifactstore.ConfigFromSecret), read through
	// secretKeyRef: the server's own credentials never reach a pod.
	SecretName string
	// MaxBytes caps one output artifact (--max-artifact-bytes); 0: no cap.
	MaxBytes int64
}

func (c ArtifactConfig) withDefaults() ArtifactConfig {
	if c.HelperImage == "" {
		c.HelperImage = DefaultArtifactHelperImage
	}
	if c.SecretName == "" {
		c.SecretName = DefaultArtifactSecretName
	}
	return c
}

// addArtifactSteps adds to spec the pull init container (which installs
// the helper and downloads the inputs) and wraps the main container's
// command with the push step, when plan has outputs. Both mount an
// emptyDir at /ml/artifacts; the main container gets
// ML_ARTIFACT_INPUT_<NAME> and ML_ARTIFACT_OUTPUT_<NAME>.
func addArtifactSteps(spec *corev1.PodSpec, plan workload.ArtifactPlan, c ArtifactConfig) error {
	if len(spec.Containers) == 0 {
		return fmt.Errorf("a pod with artifacts needs a container")
	}
	c = c.withDefaults()
	main := &spec.Containers[0]
	if len(plan.Outputs) > 0 && len(main.Command) == 0 {
		return fmt.Errorf("container %q writes artifacts and has no command: the push step runs the command, so it must be given", main.Name)
	}
	spec.Volumes = append(spec.Volumes,
		corev1.Volume{Name: artifactsVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		corev1.Volume{Name: helperVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
	)
	mounts := []corev1.VolumeMount{{Name: artifactsVolume, MountPath: ml.ArtifactsRoot}, {Name: helperVolume, MountPath: helperDir}}
	storeEnv := secretEnv(c.SecretName)

	pull := []string{"ml-apiserver", "artifact", "pull"}
	if len(plan.Outputs) > 0 {
		pull = append(pull, "--install-self", HelperPath)
	}
	for _, in := range plan.Inputs {
		pull = append(pull, "--key", in.Key, "--path", in.Path)
	}
	spec.InitContainers = append(spec.InitContainers, corev1.Container{
		Name:                     ArtifactPullContainer,
		Image:                    c.HelperImage,
		Command:                  pull,
		Env:                      storeEnv,
		VolumeMounts:             mounts,
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
	})

	main.VolumeMounts = append(main.VolumeMounts, mounts...)
	var env []corev1.EnvVar
	for _, in := range plan.Inputs {
		env = append(env, corev1.EnvVar{Name: validation.ArtifactEnvName("INPUT", in.Name), Value: in.Path})
	}
	for _, o := range plan.Outputs {
		env = append(env, corev1.EnvVar{Name: validation.ArtifactEnvName("OUTPUT", o.Name), Value: o.Path})
	}
	main.Env = workload.MergeEnv(main.Env, env)
	if len(plan.Outputs) == 0 {
		return nil
	}
	push := []string{HelperPath, "artifact", "push"}
	for _, o := range plan.Outputs {
		push = append(push, "--name", o.Name, "--key", o.Key, "--path", o.Path)
	}
	if c.MaxBytes > 0 {
		push = append(push, "--max-bytes", strconv.FormatInt(c.MaxBytes, 10))
	}
	term := main.TerminationMessagePath
	if term == "" {
		term = corev1.TerminationMessagePathDefault
	}
	push = append(push, "--termination-message-path", term, "--")
	// The user's command and args run as they were, $(VAR) references
	// included, which the kubelet expands in the new command as well.
	main.Command = append(append(push, main.Command...), main.Args...)
	main.Args = nil
	main.Env = workload.MergeEnv(main.Env, storeEnv)
	return nil
}

// secretEnv are the store's variables from the keys of the Secret name;
// endpoint and bucket are required, so that a missing Secret keeps the
// pod from starting with a message naming it.
func secretEnv(name string) []corev1.EnvVar {
	var env []corev1.EnvVar
	for _, e := range artifacthelper.SecretEnv {
		required := e.Key == artifactstore.SecretKeyEndpoint || e.Key == artifactstore.SecretKeyBucket
		env = append(env, corev1.EnvVar{Name: e.Env, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: name},
			Key:                  e.Key,
			Optional:             ptr.To(!required),
		}}})
	}
	return env
}
