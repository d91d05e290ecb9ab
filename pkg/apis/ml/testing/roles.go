package testing

import (
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// Role appends a role with replicas (nil when negative) to spec.roles.
func (w *TrainingJobWrapper) Role(name string, replicas int32) *TrainingJobWrapper {
	r := ml.ReplicaRole{Name: name}
	if replicas >= 0 {
		r.Replicas = ptr.To(replicas)
	}
	w.obj.Spec.Roles = append(w.obj.Spec.Roles, r)
	return w
}

// RoleSpec appends r to spec.roles.
func (w *TrainingJobWrapper) RoleSpec(r ml.ReplicaRole) *TrainingJobWrapper {
	w.obj.Spec.Roles = append(w.obj.Spec.Roles, r)
	return w
}

// TFRoles makes the job a TensorFlow job of a chief, workers workers and
// ps parameter servers.
func (w *TrainingJobWrapper) TFRoles(workers, ps int32) *TrainingJobWrapper {
	return w.Framework(ml.FrameworkTensorFlow).Replicas(workers).Role(ml.RoleChief, 1).Role(ml.RoleWorker, -1).Role(ml.RolePS, ps)
}

// MPIRoles makes the job an MPI job of a launcher and workers workers of
// slots processes each.
func (w *TrainingJobWrapper) MPIRoles(workers, slots int32) *TrainingJobWrapper {
	return w.Framework(ml.FrameworkMPI).Replicas(workers).NumProcPerNode(slots).Role(ml.RoleLauncher, 1).Role(ml.RoleWorker, -1)
}
