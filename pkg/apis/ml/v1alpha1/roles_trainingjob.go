package v1alpha1

// ReplicaRoleLabel is on every pod of a TrainingJob with roles: the
// pod's role (chief, worker, ps, evaluator, launcher). Its
// ReplicaIndexLabel is then the index within the role.
const ReplicaRoleLabel = "ml.example.io/replica-role"

// HostfileAnnotation is on the launcher pod of an MPI job with roles: the
// hostfile, one worker a line with its slots, which a downward API volume
// gives the launcher as a file.
const HostfileAnnotation = "ml.example.io/hostfile"

// RoleOrder is the order of the roles of framework's replicas: a job's
// replicas are numbered role after role in this order, so that replica 0
// is the chief (or launcher) when there is one. Nil for frameworks without
// roles.
func RoleOrder(framework Framework) []string {
	switch framework {
	case FrameworkTensorFlow:
		return []string{RoleChief, RoleWorker, RolePS, RoleEvaluator}
	case FrameworkMPI:
		return []string{RoleLauncher, RoleWorker}
	}
	return nil
}

// RoleReplicas is the number of replicas of role in a job with roles:
// spec.replicas for the worker role, the role's replicas (default 1) for
// a role the job lists, and 0 for a role it does not.
func RoleReplicas(spec *TrainingJobSpec, role string) int32 {
	if role == RoleWorker {
		if spec.Replicas == nil {
			return 1
		}
		return *spec.Replicas
	}
	for _, r := range spec.Roles {
		if r.Name == role {
			if r.Replicas == nil {
				return 1
			}
			return *r.Replicas
		}
	}
	return 0
}

// PrimaryRole is the role whose end is the job's end: the launcher of an
// MPI job, the chief of a TensorFlow job that has one, else the workers.
// "" for a job without roles.
func PrimaryRole(spec *TrainingJobSpec) string {
	if len(spec.Roles) == 0 {
		return ""
	}
	for _, role := range RoleOrder(spec.Framework) {
		if role != RoleWorker && RoleReplicas(spec, role) > 0 && (role == RoleChief || role == RoleLauncher) {
			return role
		}
	}
	return RoleWorker
}
