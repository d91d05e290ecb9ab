package pipelinerun

import (
	"crypto/sha256"
	"encoding/hex"
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
	labels := map[string]string{
		mlv1alpha1.PipelineRunNameLabel: labelValue(run.Name),
		mlv1alpha1.PipelineTaskLabel:    labelValue(t.Name),
		mlv1alpha1.TaskAttemptLabel:     strconv.Itoa(s.Attempt),
	}
	if s.Index >= 0 {
		labels[mlv1alpha1.ForEachIndexLabel] = strconv.Itoa(s.Index)
	}
	own := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{
			Labels:      labels,
			Annotations: map[string]string{mlv1alpha1.TaskEntryAnnotation: s.Name},
		},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{
				Name:                     ContainerName,
				TerminationMessagePath:   corev1.TerminationMessagePathDefault,
				TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
			}},
		},
	}
	c, opts := taskPod(s)
	return workload.ReplicaSpec{
		Name:     s.PodName,
		Template: workload.PodTemplate(own, c, opts),
	}
}

// taskPod is the task's container, with its command, args and env after
// substitution, and pod options in the served version. The two share
// memory with the task: read only.
func taskPod(s plan.Start) (*mlv1alpha1.ContainerSpec, *mlv1alpha1.PodOptions) {
	c, opts := &mlv1alpha1.ContainerSpec{}, &mlv1alpha1.PodOptions{}
	// Both conversions only cast: the types are the same in both versions.
	_ = mlv1alpha1.Convert_ml_ContainerSpec_To_v1alpha1_ContainerSpec(&s.Task.ContainerSpec, c, nil)
	_ = mlv1alpha1.Convert_ml_PodOptions_To_v1alpha1_PodOptions(&s.Task.PodOptions, opts, nil)
	c.Command, c.Args, c.Env = s.Command, s.Args, s.Env
	return c, opts
}

// internal converts a run to the internal types the planner
// (pkg/pipelinerun/plan) works with. The two share memory: read only.
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
