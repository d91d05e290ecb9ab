package ml

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
}

// The roles of the frameworks that have them.
const (
	RoleChief     = "chief"
	RoleWorker    = "worker"
	RolePS        = "ps"
	RoleEvaluator = "evaluator"
	RoleLauncher  = "launcher"
)
