package workloadsecurity

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// pod is one kind of pod the controller would create for an object.
type pod struct {
	// what names the pod in messages, such as `task "fit"`.
	what string
	// saPath is the field of the pod's service account.
	saPath *field.Path
	meta   metav1.ObjectMeta
	spec   corev1.PodSpec
}

// podsOf returns the pods the controller would create for obj, built from
// the user-supplied fields by the controllers' builder: one main container
// with the object's image, command, resources and security context, and
// the object's pod-level fields. Fields the controller adds itself (env,
// ports, labels of its own) do not matter to pod security.
func podsOf(obj any) ([]pod, bool) {
	spec := field.NewPath("spec")
	switch o := obj.(type) {
	case *ml.TrainingJob:
		return []pod{buildPod("pods", spec, "trainer", &o.Spec.ContainerSpec, &o.Spec.PodOptions)}, true
	case *ml.Notebook:
		p := buildPod("pod", spec, "notebook", &o.Spec.ContainerSpec, &o.Spec.PodOptions)
		// The workspace comes first, as in the controller's pod.
		p.spec.Volumes = append([]corev1.Volume{{Name: "workspace", VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: o.Name + "-workspace"},
		}}}, p.spec.Volumes...)
		return []pod{p}, true
	case *ml.Model:
		c := &ml.ContainerSpec{
			Image: o.Spec.Runtime.Image, Command: o.Spec.Runtime.Command, Args: o.Spec.Runtime.Args,
			Env: o.Spec.Runtime.Env, Resources: o.Spec.Resources,
		}
		return []pod{buildPod("pods", spec, "server", c, &o.Spec.PodOptions)}, true
	case *ml.PipelineRun:
		// Admission resolved the pipeline into status before validation.
		ps, path := o.Status.PipelineSpec, field.NewPath("status", "pipelineSpec")
		if ps == nil {
			ps, path = o.Spec.PipelineSpec, spec.Child("pipelineSpec")
		}
		return pipelinePods(ps, path, ""), true
	case *ml.RecurringRun:
		// The runs it starts are checked again when they are created; an
		// inline template is checked now, so a bad one is refused at once.
		// A pipelineRef is resolved only when a run is created.
		tmpl, path := &o.Spec.RunTemplate, spec.Child("runTemplate")
		switch {
		case tmpl.TrainingJob != nil:
			return []pod{buildPod("pods of its TrainingJobs", path.Child("trainingJob"), "trainer", &tmpl.TrainingJob.ContainerSpec, &tmpl.TrainingJob.PodOptions)}, true
		case tmpl.PipelineRun != nil:
			return pipelinePods(tmpl.PipelineRun.PipelineSpec, path.Child("pipelineRun", "pipelineSpec"), "its runs' "), true
		}
		return nil, true
	}
	return nil, false
}

// pipelinePods are the pods of the tasks and finally tasks of ps, at
// path; prefix qualifies them in messages.
func pipelinePods(ps *ml.PipelineSpec, path *field.Path, prefix string) []pod {
	if ps == nil {
		return nil
	}
	var pods []pod
	for i := range ps.Tasks {
		t := &ps.Tasks[i]
		pods = append(pods, buildPod(fmt.Sprintf("pods of %stask %q", prefix, t.Name), path.Child("tasks").Index(i), "main", &t.ContainerSpec, &t.PodOptions))
	}
	for i := range ps.Finally {
		t := &ps.Finally[i]
		pods = append(pods, buildPod(fmt.Sprintf("pods of %sfinally task %q", prefix, t.Name), path.Child("finally").Index(i), "main", &t.ContainerSpec, &t.PodOptions))
	}
	return pods
}

// buildPod builds the pod with workload.PodTemplate, the builder of the
// controllers, so a pod-level field the controllers set is checked too.
func buildPod(what string, fldPath *field.Path, container string, c *ml.ContainerSpec, opts *ml.PodOptions) pod {
	// Both conversions only cast: the types are the same in both versions.
	var vc mlv1alpha1.ContainerSpec
	var vopts mlv1alpha1.PodOptions
	_ = mlv1alpha1.Convert_ml_ContainerSpec_To_v1alpha1_ContainerSpec(c, &vc, nil)
	_ = mlv1alpha1.Convert_ml_PodOptions_To_v1alpha1_PodOptions(opts, &vopts, nil)
	// Pod security does not read env; without it, an update that changes
	// only env is not checked again.
	vc.Env = nil
	own := corev1.PodTemplateSpec{Spec: corev1.PodSpec{
		RestartPolicy: corev1.RestartPolicyNever,
		Containers:    []corev1.Container{{Name: container}},
	}}
	t := workload.PodTemplate(own, &vc, &vopts)
	return pod{what: what, saPath: fldPath.Child("serviceAccountName"), meta: t.ObjectMeta, spec: t.Spec}
}
