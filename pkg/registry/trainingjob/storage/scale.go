package storage

import (
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

// scaler maps a TrainingJob's workers to its Scale: `kubectl scale
// tj/x --replicas=N` and a HorizontalPodAutoscaler change spec.replicas of
// an elastic job, inside its spec.elastic bounds (the update validation of
// TrainingJobs refuses the rest).
var scaler = registryutil.Scaler[*ml.TrainingJob]{
	NameLabel: registryutil.TrainingJobNameLabel,
	// Defaulting always sets spec.replicas; 1 is its default.
	Replicas:       func(j *ml.TrainingJob) int32 { return ptr.Deref(j.Spec.Replicas, 1) },
	SetReplicas:    func(j *ml.TrainingJob, n int32) { j.Spec.Replicas = &n },
	StatusReplicas: func(j *ml.TrainingJob) int32 { return j.Status.Replicas },
	Selector:       func(j *ml.TrainingJob) string { return j.Status.Selector },
}
