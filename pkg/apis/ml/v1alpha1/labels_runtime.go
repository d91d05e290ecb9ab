package v1alpha1

// Annotations the TrainingRuntimeResolve admission plugin writes on a
// TrainingJob that names a runtime: which runtime, at which generation, its
// template was merged into the job's spec from. The spec itself is the
// snapshot; these say where it came from.
const (
	// TrainingRuntimeAnnotation is "<kind>/<name>" of the runtime, as in
	// "ClusterTrainingRuntime/torch-distributed".
	TrainingRuntimeAnnotation = "ml.example.io/training-runtime"
	// TrainingRuntimeGenerationAnnotation is the runtime's
	// metadata.generation when the job was admitted.
	TrainingRuntimeGenerationAnnotation = "ml.example.io/training-runtime-generation"
)
