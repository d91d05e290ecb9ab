package trainingjob

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// slot is one replica of a job: its role ("" in a job without roles) and
// its index within the role. The controller numbers a job's replicas
// 0..n-1 in the order of layout, so that the steps of a sync deal in
// numbers whether the job has roles or not.
type slot struct {
	role  string
	index int32
}

// layout is every replica of job in order: spec.replicas replicas without
// a role, or, with roles, the replicas of each role in the framework's
// order (mlv1alpha1.RoleOrder), so that replica 0 is the chief or the
// launcher when there is one. A job with roles never changes its layout:
// roles are immutable and such jobs are not elastic.
func layout(job *mlv1alpha1.TrainingJob) []slot {
	if len(job.Spec.Roles) == 0 {
		n := desiredReplicas(job)
		out := make([]slot, n)
		for i := range n {
			out[i] = slot{index: i}
		}
		return out
	}
	var out []slot
	for _, role := range mlv1alpha1.RoleOrder(job.Spec.Framework) {
		for i := range mlv1alpha1.RoleReplicas(&job.Spec, role) {
			out = append(out, slot{role: role, index: i})
		}
	}
	return out
}

// totalReplicas is the number of replicas of job, every role included.
func totalReplicas(job *mlv1alpha1.TrainingJob) int32 {
	return int32(len(layout(job)))
}

// slotOf is the replica number i of job.
func slotOf(job *mlv1alpha1.TrainingJob, i int32) slot {
	if len(job.Spec.Roles) == 0 {
		return slot{index: i}
	}
	l := layout(job)
	if i < 0 || int(i) >= len(l) {
		return slot{index: i}
	}
	return l[i]
}

// numberOf is the replica number of the replica s of job; false when job
// has no such replica.
func numberOf(job *mlv1alpha1.TrainingJob, s slot) (int32, bool) {
	if len(job.Spec.Roles) == 0 {
		return s.index, s.role == "" && s.index >= 0
	}
	offset := int32(0)
	for _, role := range mlv1alpha1.RoleOrder(job.Spec.Framework) {
		n := mlv1alpha1.RoleReplicas(&job.Spec, role)
		if role == s.role {
			return offset + s.index, s.index >= 0 && s.index < n
		}
		offset += n
	}
	return 0, false
}

// RolePodName is the name of the pod (and the hostname) of replica index
// of role of a job with roles: <job>-<role>-<index>.
func RolePodName(jobName, role string, index int32) string {
	return fmt.Sprintf("%s-%s-%d", jobName, role, index)
}

// podName is the name of the pod of s.
func (s slot) podName(jobName string) string {
	if s.role == "" {
		return PodName(jobName, s.index)
	}
	return RolePodName(jobName, s.role, s.index)
}

// labels are the labels that say which replica of its job a pod is.
func (s slot) labels() map[string]string {
	l := map[string]string{mlv1alpha1.ReplicaIndexLabel: itoa(s.index)}
	if s.role != "" {
		l[mlv1alpha1.ReplicaRoleLabel] = s.role
	}
	return l
}

// replicaName is the name of the pod of replica number i of job.
func replicaName(job *mlv1alpha1.TrainingJob, i int32) string {
	return slotOf(job, i).podName(job.Name)
}

// roleHost is the DNS name of replica index of role of job, through the
// job's headless Service.
func roleHost(job *mlv1alpha1.TrainingJob, role string, index int32) string {
	return fmt.Sprintf("%s.%s.%s.svc", RolePodName(job.Name, role, index), job.Name, job.Namespace)
}

// roleHosts are the DNS names of the replicas of role of job.
func roleHosts(job *mlv1alpha1.TrainingJob, role string) []string {
	n := mlv1alpha1.RoleReplicas(&job.Spec, role)
	hosts := make([]string, 0, n)
	for i := range n {
		hosts = append(hosts, roleHost(job, role, i))
	}
	return hosts
}

// roleContainer is the container of the replicas of role: the job's
// fields with the role's overrides (image, command and args when the
// role sets them; env by name; resources by key).
func roleContainer(job *mlv1alpha1.TrainingJob, role string) *mlv1alpha1.ContainerSpec {
	c := job.Spec.ContainerSpec.DeepCopy()
	r := roleOf(job, role)
	if r == nil {
		return c
	}
	if r.Image != "" {
		c.Image = r.Image
	}
	if len(r.Command) > 0 {
		c.Command = slices.Clone(r.Command)
	}
	if len(r.Args) > 0 {
		c.Args = slices.Clone(r.Args)
	}
	c.Env = overrideEnv(c.Env, r.Env)
	c.Resources.Requests = overrideResources(c.Resources.Requests, r.Resources.Requests)
	c.Resources.Limits = overrideResources(c.Resources.Limits, r.Resources.Limits)
	c.Resources.Claims = append(c.Resources.Claims, r.Resources.Claims...)
	return c
}

// roleOf is the entry of spec.roles named role; nil when the job lists
// none (names are unique).
func roleOf(job *mlv1alpha1.TrainingJob, role string) *mlv1alpha1.ReplicaRole {
	for i := range job.Spec.Roles {
		if job.Spec.Roles[i].Name == role {
			return &job.Spec.Roles[i]
		}
	}
	return nil
}

// rolePodOptions are the pod options of the replicas of role: the job's,
// with the role's nodeSelector keys over the job's and the role's
// tolerations in place of the job's when it has any.
func rolePodOptions(job *mlv1alpha1.TrainingJob, role string) *mlv1alpha1.PodOptions {
	o := job.Spec.PodOptions.DeepCopy()
	r := roleOf(job, role)
	if r == nil {
		return o
	}
	if len(r.NodeSelector) > 0 {
		if o.NodeSelector == nil {
			o.NodeSelector = map[string]string{}
		}
		maps.Copy(o.NodeSelector, r.NodeSelector)
	}
	if len(r.Tolerations) > 0 {
		o.Tolerations = nil
		for i := range r.Tolerations {
			o.Tolerations = append(o.Tolerations, *r.Tolerations[i].DeepCopy())
		}
	}
	return o
}

// overrideEnv is env with each variable of role in place of the one of
// the same name, and the others after it.
func overrideEnv(env, role []corev1.EnvVar) []corev1.EnvVar {
	if len(role) == 0 {
		return env
	}
	out := slices.Clone(env)
	for _, e := range role {
		i := slices.IndexFunc(out, func(o corev1.EnvVar) bool { return o.Name == e.Name })
		if i >= 0 {
			out[i] = *e.DeepCopy()
		} else {
			out = append(out, *e.DeepCopy())
		}
	}
	return out
}

func overrideResources(job, role corev1.ResourceList) corev1.ResourceList {
	if len(role) == 0 {
		return job
	}
	out := maps.Clone(job)
	if out == nil {
		out = corev1.ResourceList{}
	}
	for k, v := range role {
		out[k] = v.DeepCopy()
	}
	return out
}

// parseSlot reads which replica a pod is from its labels.
func parseSlot(labels map[string]string) (slot, bool) {
	v, ok := labels[mlv1alpha1.ReplicaIndexLabel]
	if !ok {
		return slot{}, false
	}
	i, err := strconv.ParseInt(v, 10, 32)
	if err != nil || i < 0 {
		return slot{}, false
	}
	return slot{role: labels[mlv1alpha1.ReplicaRoleLabel], index: int32(i)}, true
}
