package v1alpha1

// ReplicaRole is one role of a TrainingJob's replicas, as TensorFlow's
// chief, workers and parameter servers, or MPI's launcher and workers.
type ReplicaRole struct {
	// Name is the role: chief, worker, ps or evaluator (TensorFlow);
	// launcher or worker (MPI).
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
	// Replicas is the number of replicas of the role (default 1). The
	// worker role has none: its count is spec.replicas, which the scale
	// subresource reads and writes.
	// +optional
	Replicas *int32 `json:"replicas,omitempty" protobuf:"varint,2,opt,name=replicas"`
	// ContainerSpec overrides the job's container fields for the role:
	// image, command and args when set, env by name and resources by key.
	ContainerSpec `json:",inline" protobuf:"bytes,3,opt,name=containerSpec"`
}

// The roles of the frameworks that have them.
const (
	RoleChief     = "chief"
	RoleWorker    = "worker"
	RolePS        = "ps"
	RoleEvaluator = "evaluator"
	RoleLauncher  = "launcher"
)
