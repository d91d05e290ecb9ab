package workload

import (
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// PodTemplate is the one builder of the pods of every kind: own is what the
// kind states of its pods (its labels and annotations, restart policy,
// hostname, its own volumes, and a main container with its name, ports,
// probes, termination message, own mounts and injected env), and
// PodTemplate adds what the user set in c and opts.
//
// Metadata: podMetadata's labels and annotations under the kind's, which
// win. Pod: service account, node selector, tolerations, the user's volumes
// after the kind's, pull secrets and pod security context. Main container
// (own's first; one is added if own has none): image, command, args,
// resources, the user's env over the injected (see MergeEnv), the user's
// mounts after the kind's, and the security context. PodTemplate neither
// changes its arguments nor shares memory with them.
//
// WorkloadSecurity admission checks the pods it builds, so a pod-level field
// of the API wired here is both made and checked.
func PodTemplate(own corev1.PodTemplateSpec, c *mlv1alpha1.ContainerSpec, opts *mlv1alpha1.PodOptions) corev1.PodTemplateSpec {
	t := *own.DeepCopy()

	labels := map[string]string{}
	var annotations map[string]string
	if m := opts.PodMetadata; m != nil {
		maps.Copy(labels, m.Labels)
		annotations = maps.Clone(m.Annotations)
	}
	maps.Copy(labels, t.Labels)
	if len(t.Annotations) > 0 {
		if annotations == nil {
			annotations = map[string]string{}
		}
		maps.Copy(annotations, t.Annotations)
	}
	t.Labels, t.Annotations = labels, annotations

	spec := &t.Spec
	spec.ServiceAccountName = opts.ServiceAccountName
	spec.NodeSelector = maps.Clone(opts.NodeSelector)
	spec.SecurityContext = opts.PodSecurityContext.DeepCopy()
	spec.ImagePullSecrets = slices.Clone(opts.ImagePullSecrets)
	for i := range opts.Tolerations {
		spec.Tolerations = append(spec.Tolerations, *opts.Tolerations[i].DeepCopy())
	}
	for i := range opts.Volumes {
		spec.Volumes = append(spec.Volumes, *opts.Volumes[i].DeepCopy())
	}

	if len(spec.Containers) == 0 {
		spec.Containers = []corev1.Container{{}}
	}
	main := &spec.Containers[0]
	main.Image = c.Image
	main.Command = slices.Clone(c.Command)
	main.Args = slices.Clone(c.Args)
	if len(c.Env) > 0 {
		main.Env = MergeEnv(main.Env, c.Env)
	}
	main.Resources = *c.Resources.DeepCopy()
	for i := range opts.VolumeMounts {
		main.VolumeMounts = append(main.VolumeMounts, *opts.VolumeMounts[i].DeepCopy())
	}
	if opts.SecurityContext != nil {
		main.SecurityContext = opts.SecurityContext.DeepCopy()
	}
	return t
}

// MergeEnv is the injected variables the user did not set, then the
// user's: a variable the user sets overrides an injected one.
func MergeEnv(injected, user []corev1.EnvVar) []corev1.EnvVar {
	names := sets.New[string]()
	for _, e := range user {
		names.Insert(e.Name)
	}
	env := make([]corev1.EnvVar, 0, len(injected)+len(user))
	for _, e := range injected {
		if !names.Has(e.Name) {
			env = append(env, e)
		}
	}
	for i := range user {
		env = append(env, *user[i].DeepCopy())
	}
	return env
}
