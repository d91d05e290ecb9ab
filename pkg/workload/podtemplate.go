package workload

import (
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// PodTemplate is the template of a pod that runs main as its only
// container with the pod-level fields of opts: podMetadata (under labels,
// which win), service account, node selector, tolerations, volumes (the
// main container mounts opts.VolumeMounts after its own), pull secrets and
// security contexts.
func PodTemplate(labels map[string]string, opts *mlv1alpha1.PodOptions, main corev1.Container) corev1.PodTemplateSpec {
	podLabels := map[string]string{}
	var annotations map[string]string
	if m := opts.PodMetadata; m != nil {
		maps.Copy(podLabels, m.Labels)
		annotations = maps.Clone(m.Annotations)
	}
	maps.Copy(podLabels, labels)

	main.VolumeMounts = append(slices.Clone(main.VolumeMounts), opts.VolumeMounts...)
	if opts.SecurityContext != nil {
		main.SecurityContext = opts.SecurityContext.DeepCopy()
	}
	spec := corev1.PodSpec{
		ServiceAccountName: opts.ServiceAccountName,
		NodeSelector:       maps.Clone(opts.NodeSelector),
		SecurityContext:    opts.PodSecurityContext.DeepCopy(),
		ImagePullSecrets:   slices.Clone(opts.ImagePullSecrets),
		Containers:         []corev1.Container{main},
	}
	for i := range opts.Tolerations {
		spec.Tolerations = append(spec.Tolerations, *opts.Tolerations[i].DeepCopy())
	}
	for i := range opts.Volumes {
		spec.Volumes = append(spec.Volumes, *opts.Volumes[i].DeepCopy())
	}
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: podLabels, Annotations: annotations},
		Spec:       spec,
	}
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
