package e2e

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/model"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/plan"
	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
	"ml.example.io/ml-apiserver/pkg/workload"
	workloadkubernetes "ml.example.io/ml-apiserver/pkg/workload/kubernetes"
)

// TestArtifactPods: the pod of a task with artifacts pulls its inputs in
// an init container of the server's image and runs the user's command,
// in the user's image, under the push step, with the store's settings
// from the namespace's Secret; the push step's report (played by kwok)
// becomes the task's artifact record. A Model serving that artifact gets
// a Deployment whose init container pulls it, with the same Secret, into
// a volume its server container mounts read only at ML_MODEL_PATH.
//
// The run is created right after its namespace, often before
// kube-controller-manager made the namespace's default ServiceAccount:
// the controller must create the pod again once it exists, not fail the
// task.
func TestArtifactPods(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*runTimeout+servingTimeout)
	e := newPLREnv(t)
	const input = "s3://ml-artifacts/team/data.csv"
	train := plrTask("train", "--epochs=3")
	train.Outputs = outputs("loss")
	train.Artifacts = &mlv1alpha1.TaskArtifacts{
		Inputs:  []mlv1alpha1.InputArtifact{{Name: "data", URI: input}},
		Outputs: []mlv1alpha1.OutputArtifact{{Name: "model", Type: mlv1alpha1.ArtifactTypeModel}},
	}
	run := inlineRun("artifacts", mlv1alpha1.PipelineSpec{Tasks: []mlv1alpha1.PipelineTask{train}})
	// The run's UID is in the key, unknown before the create: kwok reports
	// the push of whatever key; the controller records what it reports.
	reported := workload.ArtifactResult{Name: "model", Key: "reported-key", URI: "s3://ml-artifacts/reported-key", Size: 42, Digest: "sha256:" + strings.Repeat("ab", 32)}
	simulate(&run.Spec.PipelineSpec.Tasks[0], 0, "1s", "loss=0.1\n"+workload.FormatArtifactResult(reported))
	// Every pod of the namespace, from before the create: the controller
	// deletes the run's pods once it ended.
	rec := e.recordPods(ctx, t)
	created := e.create(ctx, t, run)

	// runTimeout: while another test's controller copy holds the lease, no
	// PipelineRun controller runs.
	done := e.waitEnded(ctx, t, run.Name, runTimeout, mlv1alpha1.PipelineRunSucceeded)
	podName := plan.PodName(run.Name, "train", 1)
	var pod corev1.Pod
	eventually(t, shortTimeout, "the watch saw pod "+podName, func() (bool, string) {
		pods := rec.runPods(run.Name)
		p, ok := pods[podName]
		pod = p
		return ok, fmt.Sprintf("pods of the run seen: %v", slices.Sorted(maps.Keys(pods)))
	})
	if len(pod.Spec.InitContainers) != 1 {
		t.Fatalf("init containers %+v, want the pull step", pod.Spec.InitContainers)
	}
	pull := pod.Spec.InitContainers[0]
	wantPull := []string{"ml-apiserver", "artifact", "pull", "--namespace", e.ns, "--install-self", workloadkubernetes.HelperPath, "--key", input, "--path", "/ml/artifacts/in/data"}
	if pull.Name != workloadkubernetes.ArtifactPullContainer || pull.Image != workloadkubernetes.DefaultArtifactHelperImage || !cmp.Equal(pull.Command, wantPull) {
		t.Errorf("pull step %s (%s) %q, want %s (%s) %q", pull.Name, pull.Image, pull.Command,
			workloadkubernetes.ArtifactPullContainer, workloadkubernetes.DefaultArtifactHelperImage, wantPull)
	}
	main := pod.Spec.Containers[0]
	key := artifactstore.Key(e.ns, "pipelineruns", run.Name, string(created.UID), "train", "model")
	sep := slices.Index(main.Command, "--")
	if main.Image != "busybox:1.36" || sep < 0 || !cmp.Equal(main.Command[sep+1:], []string{"run", "--epochs=3"}) ||
		!cmp.Equal(main.Command[:9], []string{workloadkubernetes.HelperPath, "artifact", "push", "--name", "model", "--key", key, "--path", "/ml/artifacts/out/model"}) {
		t.Errorf("main container %s %q %q: want the user's image and command under the push step of %s", main.Image, main.Command, main.Args, key)
	}
	for _, c := range []corev1.Container{pull, main} {
		if secretRefs(c) == 0 {
			t.Errorf("%s takes nothing from the Secret %s: %+v", c.Name, artifactstore.DefaultSecretName, c.Env)
		}
	}

	st := taskStatus(t, done, "train")
	if st.Artifacts == nil || len(st.Artifacts.Outputs) != 1 || st.Artifacts.Outputs[0].Digest != reported.Digest || st.Artifacts.Outputs[0].SizeBytes != 42 {
		t.Fatalf("train's artifacts %+v, want the reported model", st.Artifacts)
	}
	if len(st.Outputs) != 1 || st.Outputs[0].Value != "0.1" {
		t.Errorf("train's outputs %+v: the artifact line must not disturb loss=0.1", st.Outputs)
	}

	// A Model of that artifact.
	s := servingEnv(e)
	served := st.Artifacts.Outputs[0].URI
	mdl := modelObj("served", "", 1)
	mdl.Spec.Source = mlv1alpha1.ModelSource{Artifact: &mlv1alpha1.ModelArtifactSource{FromPipelineRun: run.Name, Task: "train", Name: "model"}}
	if _, err := e.ml.MlV1alpha1().Models(e.ns).Create(ctx, mdl, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create Model: %v", err)
	}
	m := s.waitModel(ctx, t, "served", "Ready", modelReady(1))
	if src := m.Status.Source; src == nil || src.URI != served || src.Artifact != "model" || src.Digest != reported.Digest ||
		src.Producer == nil || src.Producer.Kind != "PipelineRun" || src.Producer.Name != run.Name || src.Producer.Task != "train" {
		t.Errorf("status.source %+v, want %s (model of %s/train, %s)", m.Status.Source, served, run.Name, reported.Digest)
	}
	d, err := e.kube.AppsV1().Deployments(e.ns).Get(ctx, "served", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	spec := d.Spec.Template.Spec
	if len(spec.InitContainers) != 1 {
		t.Fatalf("Deployment's init containers %+v, want the model pull", spec.InitContainers)
	}
	mpull := spec.InitContainers[0]
	wantModelPull := []string{"ml-apiserver", "artifact", "pull", "--uri", served, "--path", model.ModelPath}
	if mpull.Name != model.PullContainerName || mpull.Image != workloadkubernetes.DefaultArtifactHelperImage || !cmp.Equal(mpull.Command, wantModelPull) {
		t.Errorf("model pull %s (%s) %q, want %s (%s) %q", mpull.Name, mpull.Image, mpull.Command,
			model.PullContainerName, workloadkubernetes.DefaultArtifactHelperImage, wantModelPull)
	}
	if secretRefs(mpull) == 0 {
		t.Errorf("%s takes nothing from the Secret %s: %+v", mpull.Name, artifactstore.DefaultSecretName, mpull.Env)
	}
	if want := []corev1.VolumeMount{{Name: model.ModelVolumeName, MountPath: model.ModelPath}}; !cmp.Equal(mpull.VolumeMounts, want) {
		t.Errorf("model pull mounts %+v, want %+v", mpull.VolumeMounts, want)
	}
	wantVolume := corev1.Volume{Name: model.ModelVolumeName, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
	if i := slices.IndexFunc(spec.Volumes, func(v corev1.Volume) bool { return v.Name == model.ModelVolumeName }); i < 0 || !cmp.Equal(spec.Volumes[i], wantVolume) {
		t.Errorf("Deployment's volumes %+v, want the emptyDir %s", spec.Volumes, model.ModelVolumeName)
	}
	server := spec.Containers[0]
	wantMount := corev1.VolumeMount{Name: model.ModelVolumeName, MountPath: model.ModelPath, ReadOnly: true}
	if !slices.ContainsFunc(server.VolumeMounts, func(vm corev1.VolumeMount) bool { return cmp.Equal(vm, wantMount) }) {
		t.Errorf("server container mounts %+v, want %+v", server.VolumeMounts, wantMount)
	}
	if env := containerEnv(server); env["ML_MODEL_PATH"] != model.ModelPath || env["ML_MODEL_URI"] != served {
		t.Errorf("server container ML_MODEL_PATH=%q ML_MODEL_URI=%q, want %s and %s", env["ML_MODEL_PATH"], env["ML_MODEL_URI"], model.ModelPath, served)
	}
	if secretRefs(server) != 0 {
		t.Errorf("the server container gets the store's credentials: %+v", server.Env)
	}
}

// secretRefs counts the variables of c taken from the namespace's
// artifact store Secret.
func secretRefs(c corev1.Container) int {
	refs := 0
	for _, env := range c.Env {
		if env.ValueFrom != nil && env.ValueFrom.SecretKeyRef != nil && env.ValueFrom.SecretKeyRef.Name == artifactstore.DefaultSecretName {
			refs++
		}
	}
	return refs
}
