package storage

import (
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

// scaler maps a Model's server pods to its Scale: `kubectl scale
// model/x --replicas=N` and a HorizontalPodAutoscaler set the number of
// server pods, zero included.
var scaler = registryutil.Scaler[*ml.Model]{
	NameLabel: registryutil.ModelNameLabel,
	// Defaulting always sets spec.replicas; 1 is its default.
	Replicas:       func(m *ml.Model) int32 { return ptr.Deref(m.Spec.Replicas, 1) },
	SetReplicas:    func(m *ml.Model, n int32) { m.Spec.Replicas = &n },
	StatusReplicas: func(m *ml.Model) int32 { return m.Status.Replicas },
	Selector:       func(m *ml.Model) string { return m.Status.Selector },
}
