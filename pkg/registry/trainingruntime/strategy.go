// Package trainingruntime holds the strategies and selectable fields of
// ClusterTrainingRuntimes and TrainingRuntimes, the templates TrainingJobs
// name in spec.runtimeRef; their storage is in the storage subpackage.
// Neither kind has a status: a runtime is read at a job's admission only.
package trainingruntime

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

var clusterKind = registryutil.Kind[*ml.ClusterTrainingRuntime, ml.TrainingRuntimeSpec, noStatus]{
	Spec:           func(o *ml.ClusterTrainingRuntime) *ml.TrainingRuntimeSpec { return &o.Spec },
	Status:         func(*ml.ClusterTrainingRuntime) *noStatus { return &noStatus{} },
	Validate:       validation.ValidateClusterTrainingRuntime,
	ValidateUpdate: validation.ValidateClusterTrainingRuntimeUpdate,
}

var namespacedKind = registryutil.Kind[*ml.TrainingRuntime, ml.TrainingRuntimeSpec, noStatus]{
	Spec:           func(o *ml.TrainingRuntime) *ml.TrainingRuntimeSpec { return &o.Spec },
	Status:         func(*ml.TrainingRuntime) *noStatus { return &noStatus{} },
	Validate:       validation.ValidateTrainingRuntime,
	ValidateUpdate: validation.ValidateTrainingRuntimeUpdate,
}

// ClusterStrategy is the create, update and delete strategy of
// ClusterTrainingRuntimes: the shared one of every kind, cluster-scoped.
type ClusterStrategy struct {
	registryutil.Strategy[*ml.ClusterTrainingRuntime, ml.TrainingRuntimeSpec, noStatus]
}

// NamespaceScoped is false: a ClusterTrainingRuntime serves every namespace.
func (ClusterStrategy) NamespaceScoped() bool { return false }

// NewClusterStrategy returns the strategy of ClusterTrainingRuntimes.
func NewClusterStrategy(typer runtime.ObjectTyper, opts validation.Options) ClusterStrategy {
	return ClusterStrategy{registryutil.NewStrategy(typer, clusterKind, opts)}
}

// Strategy is the create, update and delete strategy of TrainingRuntimes.
type Strategy = registryutil.Strategy[*ml.TrainingRuntime, ml.TrainingRuntimeSpec, noStatus]

// NewStrategy returns the strategy of TrainingRuntimes.
func NewStrategy(typer runtime.ObjectTyper, opts validation.Options) Strategy {
	return registryutil.NewStrategy(typer, namespacedKind, opts)
}

// ClusterGetAttrs returns the labels and selectable fields of a ClusterTrainingRuntime.
func ClusterGetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	return registryutil.GetAttrs(obj, func(o *ml.ClusterTrainingRuntime) fields.Set {
		return registryutil.SelectableFields(&o.ObjectMeta, "", frameworkField(o.Spec.Template.Framework))
	})
}

// GetAttrs returns the labels and selectable fields of a TrainingRuntime.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	return registryutil.GetAttrs(obj, func(o *ml.TrainingRuntime) fields.Set {
		return registryutil.SelectableFields(&o.ObjectMeta, "", frameworkField(o.Spec.Template.Framework))
	})
}

// FrameworkField selects runtimes by framework:
// `kubectl get clustertrainingruntimes --field-selector spec.template.framework=PyTorch`.
const FrameworkField = "spec.template.framework"

func frameworkField(f ml.Framework) fields.Set {
	return fields.Set{FrameworkField: string(f)}
}
