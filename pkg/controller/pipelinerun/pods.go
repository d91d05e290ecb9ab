package pipelinerun

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/plan"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// ContainerName is the name of the container of every task's pod.
const ContainerName = "task"

// kind is the group, version and kind of the owner reference of pods.
var kind = mlv1alpha1.SchemeGroupVersion.WithKind("PipelineRun")

// ownerOf is run as the owner of its pods.
func ownerOf(run *mlv1alpha1.PipelineRun) workload.Owner {
	return workload.NewOwner(run, kind, map[string]string{mlv1alpha1.PipelineRunNameLabel: labelValue(run.Name)})
}

// labelValue is name as a label value: names of runs may be longer than
// the 63 characters of a label value, and are then shortened with a hash.
func labelValue(name string) string {
	if len(name) <= 63 {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	suffix := "-" + hex.EncodeToString(sum[:])[:10]
	return name[:63-len(suffix)] + suffix
}

// replicaSpec is the pod of one attempt of a task. Pods never restart in
// place: a failed attempt is retried as a new pod. The container writes
// its outputs to the termination message; when it fails without one, the
// tail of its log becomes the message.
func replicaSpec(run *mlv1alpha1.PipelineRun, s plan.Start) workload.ReplicaSpec {
	t := s.Task
	labels := map[string]string{}
	annotations := map[string]string{}
	if m := t.PodMetadata; m != nil {
		maps.Copy(labels, m.Labels)
		maps.Copy(annotations, m.Annotations)
	}
	labels[mlv1alpha1.PipelineRunNameLabel] = labelValue(run.Name)
	labels[mlv1alpha1.PipelineTaskLabel] = t.Name
	labels[mlv1alpha1.TaskAttemptLabel] = strconv.Itoa(s.Attempt)
	if s.Index >= 0 {
		labels[mlv1alpha1.ForEachIndexLabel] = strconv.Itoa(s.Index)
	}
	annotations[mlv1alpha1.TaskEntryAnnotation] = s.Name

	container := corev1.Container{
		Name:                     ContainerName,
		Image:                    t.Image,
		Command:                  s.Command,
		Args:                     s.Args,
		Env:                      s.Env,
		Resources:                *t.Resources.DeepCopy(),
		VolumeMounts:             slices.Clone(t.VolumeMounts),
		SecurityContext:          t.SecurityContext.DeepCopy(),
		TerminationMessagePath:   corev1.TerminationMessagePathDefault,
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
	}
	pod := corev1.PodSpec{
		RestartPolicy:      corev1.RestartPolicyNever,
		ServiceAccountName: t.ServiceAccountName,
		NodeSelector:       maps.Clone(t.NodeSelector),
		SecurityContext:    t.PodSecurityContext.DeepCopy(),
		ImagePullSecrets:   slices.Clone(t.ImagePullSecrets),
		Containers:         []corev1.Container{container},
	}
	for i := range t.Tolerations {
		pod.Tolerations = append(pod.Tolerations, *t.Tolerations[i].DeepCopy())
	}
	for i := range t.Volumes {
		pod.Volumes = append(pod.Volumes, *t.Volumes[i].DeepCopy())
	}
	return workload.ReplicaSpec{
		Name: s.PodName,
		Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: annotations},
			Spec:       pod,
		},
	}
}

// internal converts a run to the internal types package pipeline plans
// with. The two share memory: read only.
func internal(run *mlv1alpha1.PipelineRun) (*ml.PipelineRun, error) {
	out := &ml.PipelineRun{}
	if err := mlv1alpha1.Convert_v1alpha1_PipelineRun_To_ml_PipelineRun(run, out, nil); err != nil {
		return nil, err
	}
	return out, nil
}

// external converts a planned status back to the served version.
func external(st *ml.PipelineRunStatus) (mlv1alpha1.PipelineRunStatus, error) {
	var out mlv1alpha1.PipelineRunStatus
	err := mlv1alpha1.Convert_ml_PipelineRunStatus_To_v1alpha1_PipelineRunStatus(st, &out, nil)
	return out, err
}
