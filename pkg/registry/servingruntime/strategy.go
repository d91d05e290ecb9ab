// Package servingruntime holds the strategies and selectable fields of
// ClusterServingRuntimes and ServingRuntimes, the model servers a Model
// names in spec.runtimeRef or gets by its format; their storage is in the
// storage subpackage. Neither kind has a status: a runtime is read at a
// Model's admission only.
package servingruntime

import (
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

// noStatus stands for the status the runtimes do not have.
type noStatus struct{}

var clusterKind = registryutil.Kind[*ml.ClusterServingRuntime, ml.ServingRuntimeSpec, noStatus]{
	Spec:           func(o *ml.ClusterServingRuntime) *ml.ServingRuntimeSpec { return &o.Spec },
	Status:         func(*ml.ClusterServingRuntime) *noStatus { return &noStatus{} },
	Validate:       validation.ValidateClusterServingRuntime,
	ValidateUpdate: validation.ValidateClusterServingRuntimeUpdate,
}

var namespacedKind = registryutil.Kind[*ml.ServingRuntime, ml.ServingRuntimeSpec, noStatus]{
	Spec:           func(o *ml.ServingRuntime) *ml.ServingRuntimeSpec { return &o.Spec },
	Status:         func(*ml.ServingRuntime) *noStatus { return &noStatus{} },
	Validate:       validation.ValidateServingRuntime,
	ValidateUpdate: validation.ValidateServingRuntimeUpdate,
}

// ClusterStrategy is the create, update and delete strategy of
// ClusterServingRuntimes: the shared one of every kind, cluster-scoped.
type ClusterStrategy struct {
	registryutil.Strategy[*ml.ClusterServingRuntime, ml.ServingRuntimeSpec, noStatus]
}

// NamespaceScoped is false: a ClusterServingRuntime serves every namespace.
func (ClusterStrategy) NamespaceScoped() bool { return false }

// NewClusterStrategy returns the strategy of ClusterServingRuntimes.
func NewClusterStrategy(typer runtime.ObjectTyper, opts validation.Options) ClusterStrategy {
	return ClusterStrategy{registryutil.NewStrategy(typer, clusterKind, opts)}
}

// Strategy is the create, update and delete strategy of ServingRuntimes.
type Strategy = registryutil.Strategy[*ml.ServingRuntime, ml.ServingRuntimeSpec, noStatus]

// NewStrategy returns the strategy of ServingRuntimes.
func NewStrategy(typer runtime.ObjectTyper, opts validation.Options) Strategy {
	return registryutil.NewStrategy(typer, namespacedKind, opts)
}

// ClusterGetAttrs returns the labels and selectable fields of a ClusterServingRuntime.
func ClusterGetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	return registryutil.GetAttrs(obj, func(o *ml.ClusterServingRuntime) fields.Set {
		return registryutil.SelectableFields(&o.ObjectMeta, "", protocolField(o.Spec.Protocol))
	})
}

// GetAttrs returns the labels and selectable fields of a ServingRuntime.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	return registryutil.GetAttrs(obj, func(o *ml.ServingRuntime) fields.Set {
		return registryutil.SelectableFields(&o.ObjectMeta, "", protocolField(o.Spec.Protocol))
	})
}

// ProtocolField selects runtimes by protocol:
// `kubectl get clusterservingruntimes --field-selector spec.protocol=v2`.
const ProtocolField = "spec.protocol"

func protocolField(p string) fields.Set {
	return fields.Set{ProtocolField: p}
}
