package trainingruntimeresolve

import (
	"maps"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// Merge writes the runtime's template t under the job's spec: what the job
// sets wins, as in Kubeflow Trainer v2.
//
//   - scalars (framework, replicas, numProcPerNode, masterPort, image,
//     serviceAccountName) and whole structs (securityContext,
//     podSecurityContext): the job's when set, else the runtime's;
//   - atomic lists (command, args, tolerations): the job's when it has
//     any, else the runtime's;
//   - maps (resources requests and limits, nodeSelector, podMetadata
//     labels and annotations): by key, the job's value for a key both set;
//   - lists keyed by name (env, volumes, imagePullSecrets, resources
//     claims) or by mountPath (volumeMounts): the runtime's entries in their
//     order with the job's entry in place of one of the same key, then the
//     job's other entries in theirs;
//   - roles, by name: the runtime's roles in their order, each with the
//     job's role of the same name merged over it field by field (replicas,
//     image, command, args and tolerations when the job's role sets them;
//     env by name; resources and nodeSelector by key), then the job's
//     other roles.
//
// Framework, replicas and masterPort that neither sets get their defaults
// afterwards (Resolve), as a job without a runtime gets them.
func Merge(spec *ml.TrainingJobSpec, t *ml.TrainingRuntimeTemplate) {
	t = t.DeepCopy()
	if spec.Framework == "" {
		spec.Framework = t.Framework
	}
	spec.Replicas = orPtr(spec.Replicas, t.Replicas)
	spec.NumProcPerNode = orPtr(spec.NumProcPerNode, t.NumProcPerNode)
	spec.MasterPort = orPtr(spec.MasterPort, t.MasterPort)

	mergeContainer(&spec.ContainerSpec, &t.ContainerSpec)
	spec.Roles = mergeRoles(t.Roles, spec.Roles)

	o, ro := &spec.PodOptions, &t.PodOptions
	if ro.PodMetadata != nil {
		if o.PodMetadata == nil {
			o.PodMetadata = &ml.PodMetadata{}
		}
		o.PodMetadata.Labels = mergeMaps(ro.PodMetadata.Labels, o.PodMetadata.Labels)
		o.PodMetadata.Annotations = mergeMaps(ro.PodMetadata.Annotations, o.PodMetadata.Annotations)
	}
	if o.ServiceAccountName == "" {
		o.ServiceAccountName = ro.ServiceAccountName
	}
	o.NodeSelector = mergeMaps(ro.NodeSelector, o.NodeSelector)
	o.Tolerations = orList(o.Tolerations, ro.Tolerations)
	o.Volumes = byKey(ro.Volumes, o.Volumes, func(v corev1.Volume) string { return v.Name })
	o.VolumeMounts = byKey(ro.VolumeMounts, o.VolumeMounts, func(m corev1.VolumeMount) string { return m.MountPath })
	o.ImagePullSecrets = byKey(ro.ImagePullSecrets, o.ImagePullSecrets, func(s corev1.LocalObjectReference) string { return s.Name })
	o.SecurityContext = orPtr(o.SecurityContext, ro.SecurityContext)
	o.PodSecurityContext = orPtr(o.PodSecurityContext, ro.PodSecurityContext)
}

// Resolve is the spec a job of spec that names the runtime of template t
// is admitted with: Merge, then the defaults of what neither set.
func Resolve(spec *ml.TrainingJobSpec, t *ml.TrainingRuntimeTemplate) {
	Merge(spec, t)
	defaultTemplateFields(spec)
}

// defaultTemplateFields gives framework, replicas and masterPort their
// API defaults when neither the job nor its runtime set them
// (mlv1alpha1.DefaultTrainingJobTemplateFields, on the internal type).
func defaultTemplateFields(spec *ml.TrainingJobSpec) {
	if spec.Framework == "" {
		spec.Framework = ml.FrameworkGeneric
	}
	if spec.Replicas == nil {
		spec.Replicas = ptr.To[int32](1)
		if spec.Elastic != nil && spec.Elastic.MinReplicas != nil {
			spec.Replicas = ptr.To(*spec.Elastic.MinReplicas)
		}
	}
	if spec.MasterPort == nil {
		spec.MasterPort = ptr.To(mlv1alpha1.DefaultMasterPort)
	}
	for i := range spec.Roles {
		if r := &spec.Roles[i]; r.Replicas == nil && r.Name != ml.RoleWorker {
			r.Replicas = ptr.To[int32](1)
		}
	}
}

// mergeContainer writes the runtime's container fields rc under the
// job's c.
func mergeContainer(c, rc *ml.ContainerSpec) {
	if c.Image == "" {
		c.Image = rc.Image
	}
	c.Command = orList(c.Command, rc.Command)
	c.Args = orList(c.Args, rc.Args)
	c.Env = byKey(rc.Env, c.Env, func(e corev1.EnvVar) string { return e.Name })
	c.Resources.Requests = mergeMaps(rc.Resources.Requests, c.Resources.Requests)
	c.Resources.Limits = mergeMaps(rc.Resources.Limits, c.Resources.Limits)
	c.Resources.Claims = byKey(rc.Resources.Claims, c.Resources.Claims, func(e corev1.ResourceClaim) string { return e.Name })
}

// mergeRoles merges roles by name, as Trainer v2 merges its replicated
// jobs: the runtime's roles in their order, each with the job's role of
// the same name merged over it (replicas, then the container fields as
// the job's own), then the job's other roles in theirs.
func mergeRoles(runtime, job []ml.ReplicaRole) []ml.ReplicaRole {
	if len(runtime) == 0 {
		return job
	}
	jobs := make(map[string]*ml.ReplicaRole, len(job))
	for i := range job {
		jobs[job[i].Name] = &job[i]
	}
	out := make([]ml.ReplicaRole, 0, len(runtime)+len(job))
	done := map[string]bool{}
	for _, r := range runtime {
		if j, ok := jobs[r.Name]; ok && !done[r.Name] {
			m := *j
			m.Replicas = orPtr(j.Replicas, r.Replicas)
			mergeContainer(&m.ContainerSpec, &r.ContainerSpec)
			m.NodeSelector = mergeMaps(r.NodeSelector, j.NodeSelector)
			m.Tolerations = orList(j.Tolerations, r.Tolerations)
			r = m
		}
		done[r.Name] = true
		out = append(out, r)
	}
	for _, j := range job {
		if !done[j.Name] {
			done[j.Name] = true
			out = append(out, j)
		}
	}
	return out
}

func orPtr[T any](job, runtime *T) *T {
	if job != nil {
		return job
	}
	return runtime
}

func orList[T any](job, runtime []T) []T {
	if len(job) > 0 {
		return job
	}
	return runtime
}

// mergeMaps returns runtime's entries overridden and extended by job's;
// nil when both are empty.
func mergeMaps[K comparable, V any, M ~map[K]V](runtime, job M) M {
	if len(runtime) == 0 {
		return job
	}
	out := make(M, len(runtime)+len(job))
	maps.Copy(out, runtime)
	maps.Copy(out, job)
	return out
}

// byKey merges two lists keyed by key: runtime's order, an entry of job in
// place of runtime's entry of the same key, then job's other entries.
func byKey[T any](runtime, job []T, key func(T) string) []T {
	if len(runtime) == 0 {
		return job
	}
	jobs := make(map[string]int, len(job))
	for i, e := range job {
		jobs[key(e)] = i
	}
	out := make([]T, 0, len(runtime)+len(job))
	used := make(map[int]bool, len(job))
	for _, e := range runtime {
		if i, ok := jobs[key(e)]; ok {
			if !used[i] {
				out = append(out, job[i])
				used[i] = true
			}
			continue
		}
		out = append(out, e)
	}
	for i, e := range job {
		if !used[i] {
			out = append(out, e)
		}
	}
	return out
}
