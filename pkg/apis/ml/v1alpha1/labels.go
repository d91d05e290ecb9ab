package v1alpha1

// Labels and annotations the bundled controller puts on the objects it
// makes and on the objects it manages. Selectors in status (and so `kubectl
// scale`, HPAs and `kubectl get pods -l`) are built from them.
const (
	// TrainingJobNameLabel is on every pod and Service made for a
	// TrainingJob; its value is the job's name. A job's status.selector is
	// `ml.example.io/trainingjob=<name>`.
	TrainingJobNameLabel = "ml.example.io/trainingjob"

	// ReplicaIndexLabel is on every pod of a TrainingJob: the replica's
	// index, 0 to spec.replicas-1, which is also its rank; in a job with
	// roles, its index within its role (ReplicaRoleLabel).
	ReplicaIndexLabel = "ml.example.io/replica-index"

	// ManagedByLabel is the well-known label naming the manager of an
	// object; the controller sets it to ControllerName on everything it
	// makes, and watches only objects that carry it.
	ManagedByLabel = "app.kubernetes.io/managed-by"

	// ControllerName is the value of ManagedByLabel on the objects the
	// bundled controller makes, and its field manager.
	ControllerName = "ml-controller"

	// CountedFailuresAnnotation is set by the controller on a TrainingJob:
	// the UIDs (comma-separated) of failed pods already counted in
	// status.failed that still exist. It makes counting idempotent: a failed
	// pod is counted once, then deleted and replaced.
	CountedFailuresAnnotation = "ml.example.io/counted-failures"

	// GangSizeAnnotation is on every pod of a distributed TrainingJob (a
	// framework that rendezvous: PyTorch, TensorFlow, MPI, JAX) of more
	// than one replica: how many of its replicas must run at once for any
	// to make progress (every role's, or elastic.minReplicas workers). The
	// local runtime starts them together or not at all.
	GangSizeAnnotation = "ml.example.io/gang-size"

	// ModelPortName names the port of a Model's server container (its
	// spec.runtime.port) on the pods and the Service; a readiness probe
	// may name it instead of a number.
	ModelPortName = "http"
)
