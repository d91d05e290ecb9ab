package workloadsecurity

import (
	"fmt"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
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
// the user-supplied fields the way the controllers build them: one main
// container with the object's image, command, resources and security
// context, and the object's pod-level fields. Fields the controller adds
// itself (env, ports, labels of its own) do not matter to pod security.
func podsOf(obj any) ([]pod, bool) {
	spec := field.NewPath("spec")
	switch o := obj.(type) {
	case *ml.TrainingJob:
		return []pod{buildPod("pods", spec, "trainer", &o.Spec.ContainerSpec, &o.Spec.PodOptions)}, true
	case *ml.Notebook:
		p := buildPod("pod", spec, "notebook", &o.Spec.ContainerSpec, &o.Spec.PodOptions)
		p.spec.Volumes = append(p.spec.Volumes, corev1.Volume{Name: "workspace", VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: o.Name + "-workspace"},
		}})
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
		if ps == nil {
			return nil, true
		}
		var pods []pod
		for i := range ps.Tasks {
			t := &ps.Tasks[i]
			pods = append(pods, buildPod(fmt.Sprintf("pods of task %q", t.Name), path.Child("tasks").Index(i), "main", &t.ContainerSpec, &t.PodOptions))
		}
		for i := range ps.Finally {
			t := &ps.Finally[i]
			pods = append(pods, buildPod(fmt.Sprintf("pods of finally task %q", t.Name), path.Child("finally").Index(i), "main", &t.ContainerSpec, &t.PodOptions))
		}
		return pods, true
	}
	return nil, false
}

func buildPod(what string, fldPath *field.Path, container string, c *ml.ContainerSpec, opts *ml.PodOptions) pod {
	meta := metav1.ObjectMeta{}
	if m := opts.PodMetadata; m != nil {
		meta.Labels, meta.Annotations = maps.Clone(m.Labels), maps.Clone(m.Annotations)
	}
	main := corev1.Container{
		Name:            container,
		Image:           c.Image,
		Command:         slices.Clone(c.Command),
		Args:            slices.Clone(c.Args),
		Resources:       *c.Resources.DeepCopy(),
		VolumeMounts:    slices.Clone(opts.VolumeMounts),
		SecurityContext: opts.SecurityContext.DeepCopy(),
	}
	spec := corev1.PodSpec{
		RestartPolicy:      corev1.RestartPolicyNever,
		ServiceAccountName: opts.ServiceAccountName,
		NodeSelector:       maps.Clone(opts.NodeSelector),
		SecurityContext:    opts.PodSecurityContext.DeepCopy(),
		ImagePullSecrets:   slices.Clone(opts.ImagePullSecrets),
		Tolerations:        slices.Clone(opts.Tolerations),
		Containers:         []corev1.Container{main},
	}
	for i := range opts.Volumes {
		spec.Volumes = append(spec.Volumes, *opts.Volumes[i].DeepCopy())
	}
	return pod{what: what, saPath: fldPath.Child("serviceAccountName"), meta: meta, spec: spec}
}
