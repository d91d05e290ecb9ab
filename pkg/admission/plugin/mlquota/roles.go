package mlquota

import (
	"fmt"
	"maps"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// jobShape is the demand of a TrainingJob with roles: its workers
// (spec.replicas, which the scale subresource changes) and the replicas of
// its other roles, each role with its own resources.
type jobShape struct {
	workers shape
	roles   []roleShape
}

// roleShape is the demand of the replicas of one role other than worker.
type roleShape struct {
	name string
	shape
}

// trainingJobShape is the demand of a running job: spec.replicas pods of
// spec.resources without roles; with roles, every role's replicas with
// the job's resources overridden by the role's, key by key.
func trainingJobShape(o *ml.TrainingJob) demand {
	workers := shape{replicas: replicasOr(o.Spec.Replicas, 1), resources: o.Spec.Resources}
	if len(o.Spec.Roles) == 0 {
		return workers
	}
	js := jobShape{workers: workers}
	for _, r := range o.Spec.Roles {
		res := roleResources(o.Spec.Resources, r.Resources)
		if r.Name == ml.RoleWorker {
			js.workers.resources = res
			continue
		}
		js.roles = append(js.roles, roleShape{name: r.Name, shape: shape{replicas: replicasOr(r.Replicas, 1), resources: res}})
	}
	return js
}

// roleResources are the job's requests and limits with the role's in
// place of those of the same resource, as the controller makes the pods.
func roleResources(job, role corev1.ResourceRequirements) corev1.ResourceRequirements {
	out := *job.DeepCopy()
	if len(role.Requests) > 0 {
		out.Requests = maps.Clone(out.Requests)
		if out.Requests == nil {
			out.Requests = corev1.ResourceList{}
		}
		maps.Copy(out.Requests, role.Requests)
	}
	if len(role.Limits) > 0 {
		out.Limits = maps.Clone(out.Limits)
		if out.Limits == nil {
			out.Limits = corev1.ResourceList{}
		}
		maps.Copy(out.Limits, role.Limits)
	}
	return out
}

// withReplicas is j with n workers, for the scale subresource.
func (j jobShape) withReplicas(n int32) jobShape {
	j.workers = j.workers.withReplicas(n)
	return j
}

func (j jobShape) charge() charge {
	total := j.workers.charge()
	for _, r := range j.roles {
		total = total.add(r.charge())
	}
	return total
}

func (j jobShape) explain(key corev1.ResourceName) string {
	parts := []string{"worker: " + j.workers.explain(key)}
	for _, r := range j.roles {
		if r.replicas > 0 {
			parts = append(parts, fmt.Sprintf("%s: %s", r.name, r.explain(key)))
		}
	}
	return strings.Join(parts, ", ")
}
