package kubernetes

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/workload"
)

func artifactReplica(command ...string) workload.ReplicaSpec {
	spec := workload.ReplicaSpec{Name: "r-train-1", Template: corev1.PodTemplateSpec{
		Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{
			Name: "task", Image: "user/image:1", Command: command, Args: []string{"--data=$(DATA)"},
			Env: []corev1.EnvVar{{Name: "DATA", Value: "x"}},
		}}},
	}}
	workload.SetArtifactPlan(&spec.Template, workload.ArtifactPlan{
		Inputs:  []workload.ArtifactTransfer{{Name: "dataset", Key: "ns/pipelineruns/r/u/prepare/data", Path: "/ml/artifacts/in/dataset"}},
		Outputs: []workload.ArtifactTransfer{{Name: "model", Key: "ns/pipelineruns/r/u/train/model", Path: "/ml/artifacts/out/model"}},
	})
	return spec
}

// The pod of a replica with artifacts pulls in an init container of the
// helper image and pushes around the user's command, with the store's
// settings from the namespace's Secret; the user's image is unchanged.
func TestEnsureReplicaAddsArtifactSteps(t *testing.T) {
	owner := testOwner("r", "u")
	r, client, _ := newRuntime(t)
	r.artifacts = ArtifactConfig{HelperImage: "registry/ml-apiserver:v1", MaxBytes: 1 << 20}
	if _, err := r.EnsureReplica(context.Background(), owner, artifactReplica("python", "train.py")); err != nil {
		t.Fatal(err)
	}
	pod, err := client.CoreV1().Pods("ns").Get(context.Background(), "r-train-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pod.Spec.InitContainers) != 1 {
		t.Fatalf("init containers %v, want the pull step", pod.Spec.InitContainers)
	}
	pull := pod.Spec.InitContainers[0]
	wantPull := []string{"ml-apiserver", "artifact", "pull", "--install-self", "/ml/helper/ml-apiserver",
		"--key", "ns/pipelineruns/r/u/prepare/data", "--path", "/ml/artifacts/in/dataset"}
	if pull.Name != ArtifactPullContainer || pull.Image != "registry/ml-apiserver:v1" || !cmp.Equal(pull.Command, wantPull) {
		t.Errorf("pull step %s %s %q, want %s %q", pull.Name, pull.Image, pull.Command, "registry/ml-apiserver:v1", wantPull)
	}
	main := pod.Spec.Containers[0]
	wantMain := []string{"/ml/helper/ml-apiserver", "artifact", "push",
		"--name", "model", "--key", "ns/pipelineruns/r/u/train/model", "--path", "/ml/artifacts/out/model",
		"--max-bytes", "1048576", "--termination-message-path", "/dev/termination-log", "--",
		"python", "train.py", "--data=$(DATA)"}
	if main.Image != "user/image:1" || !cmp.Equal(main.Command, wantMain) || len(main.Args) != 0 {
		t.Errorf("main container %s %q %q, want the user's image and %q", main.Image, main.Command, main.Args, wantMain)
	}
	for _, c := range []corev1.Container{pull, main} {
		var fromSecret int
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				if e.ValueFrom.SecretKeyRef.Name != DefaultArtifactSecretName {
					t.Errorf("%s: %s from Secret %s, want %s", c.Name, e.Name, e.ValueFrom.SecretKeyRef.Name, DefaultArtifactSecretName)
				}
				if e.ValueFrom.SecretKeyRef.Key == "endpoint" && ptr.Deref(e.ValueFrom.SecretKeyRef.Optional, false) {
					t.Errorf("%s: the endpoint is optional; a missing Secret must keep the pod from starting", c.Name)
				}
				fromSecret++
			} else if strings.Contains(e.Name, "SECRET") || strings.Contains(e.Name, "ACCESS_KEY") {
				t.Errorf("%s: %s is set literally", c.Name, e.Name)
			}
		}
		if fromSecret != 8 {
			t.Errorf("%s: %d variables from the Secret, want 8", c.Name, fromSecret)
		}
		mounted := map[string]bool{}
		for _, m := range c.VolumeMounts {
			mounted[m.MountPath] = true
		}
		if !mounted["/ml/artifacts"] || !mounted["/ml/helper"] {
			t.Errorf("%s mounts %v, want /ml/artifacts and /ml/helper", c.Name, c.VolumeMounts)
		}
	}
	env := map[string]string{}
	for _, e := range main.Env {
		env[e.Name] = e.Value
	}
	if env["ML_ARTIFACT_INPUT_DATASET"] != "/ml/artifacts/in/dataset" || env["ML_ARTIFACT_OUTPUT_MODEL"] != "/ml/artifacts/out/model" || env["DATA"] != "x" {
		t.Errorf("main env %v", env)
	}
}

func TestEnsureReplicaArtifactOutputsNeedCommand(t *testing.T) {
	r, _, _ := newRuntime(t)
	_, err := r.EnsureReplica(context.Background(), testOwner("r", "u"), artifactReplica())
	if err == nil || !strings.Contains(err.Error(), "no command") {
		t.Errorf("EnsureReplica of a container without command = %v, want an error saying so", err)
	}
}

func TestStatusTakesArtifactLinesOutOfTheMessage(t *testing.T) {
	line := workload.FormatArtifactResult(workload.ArtifactResult{Name: "model", Key: "k", URI: "s3://b/k", Size: 3, Digest: "sha256:ab"})
	msg, results := workload.SplitArtifactResults("accuracy=0.9\n" + line)
	if msg != "accuracy=0.9" || len(results) != 1 || results[0].Digest != "sha256:ab" {
		t.Errorf("split: %q %+v", msg, results)
	}
}
