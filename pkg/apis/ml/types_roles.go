package ml

import corev1 "k8s.io/api/core/v1"

// ReplicaRole is one role of a TrainingJob's replicas, as TensorFlow's
// chief, workers and parameter servers, or MPI's launcher and workers.
type ReplicaRole struct {
	// Name is the role: chief, worker, ps or evaluator (TensorFlow);
	// launcher or worker (MPI).
	Name string `json:"name"`
	// Replicas is the number of replicas of the role (default 1). The
	// worker role has none: its count is spec.replicas.
	Replicas *int32 `json:"replicas,omitempty"`
	// ContainerSpec overrides the job's container fields for the role:
	// image, command and args when set, env by name and resources by key.
	ContainerSpec `json:",inline"`
	// NodeSelector adds to the job's spec.nodeSelector for the role's
	// pods, a key the role sets overriding the job's.
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`
	// Tolerations of the role's pods, in place of the job's
	// spec.tolerations when the role has any.
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`
}

// The roles of the frameworks that have them.
const (
	RoleChief     = "chief"
	RoleWorker    = "worker"
	RolePS        = "ps"
	RoleEvaluator = "evaluator"
	RoleLauncher  = "launcher"
)
