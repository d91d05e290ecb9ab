package storage

import (
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

// scaler maps a Notebook to its Scale. A notebook runs one pod or none,
// so its Scale is 0 or 1 (the update validation of Notebooks refuses other
// counts), and scaling is how `kubectl scale` stops and starts it.
//
// A notebook runs only while spec.replicas is 1 and spec.stopped is false,
// so its Scale asks for 0 replicas while it is stopped, and a scale to 1
// starts it: scaling sets spec.stopped as well as spec.replicas. Without
// that, `kubectl scale --replicas=1` of a notebook stopped through
// spec.stopped would do nothing.
var scaler = registryutil.Scaler[*ml.Notebook]{
	NameLabel: registryutil.NotebookNameLabel,
	Replicas: func(nb *ml.Notebook) int32 {
		if nb.Spec.Stopped {
			return 0
		}
		// Defaulting always sets spec.replicas; 1 is its default.
		return ptr.Deref(nb.Spec.Replicas, 1)
	},
	SetReplicas: func(nb *ml.Notebook, n int32) {
		nb.Spec.Replicas = &n
		nb.Spec.Stopped = n == 0
	},
	StatusReplicas: func(nb *ml.Notebook) int32 { return nb.Status.Replicas },
	Selector:       func(nb *ml.Notebook) string { return nb.Status.Selector },
}
