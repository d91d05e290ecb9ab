// Package storage holds the etcd storage of ClusterTrainingRuntimes and
// TrainingRuntimes, and how kubectl prints them. Neither has subresources.
package storage

import (
	"k8s.io/apimachinery/pkg/runtime"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
	"ml.example.io/ml-apiserver/pkg/registry/trainingruntime"
)

// TrainingRuntimeStorage is the storage of both runtime kinds.
type TrainingRuntimeStorage struct {
	ClusterTrainingRuntime *ClusterREST
	TrainingRuntime        *registryutil.REST
}

// ClusterREST is the storage of ClusterTrainingRuntimes.
type ClusterREST struct {
	*registryutil.REST
}

// Categories is none: in the category ml, `kubectl delete ml --all -n
// team-a` would delete the cluster's runtimes along with the team's
// objects.
func (r *ClusterREST) Categories() []string { return nil }

// NewStorage returns the storage of ClusterTrainingRuntimes and
// TrainingRuntimes, validated against the caps in o.
func NewStorage(o registryutil.StorageOptions) (TrainingRuntimeStorage, error) {
	cluster, _, err := registryutil.NewStore(o.RESTOptions, registryutil.Resource{
		Name: "clustertrainingruntimes", Singular: "clustertrainingruntime", ShortNames: []string{"ctr"},
		NewFunc:        func() runtime.Object { return &ml.ClusterTrainingRuntime{} },
		NewListFunc:    func() runtime.Object { return &ml.ClusterTrainingRuntimeList{} },
		GetAttrs:       trainingruntime.ClusterGetAttrs,
		Strategy:       trainingruntime.NewClusterStrategy(o.Scheme, o.Validation),
		TableConvertor: newClusterTableConvertor(),
	})
	if err != nil {
		return TrainingRuntimeStorage{}, err
	}
	namespaced, _, err := registryutil.NewStore(o.RESTOptions, registryutil.Resource{
		Name: "trainingruntimes", Singular: "trainingruntime", ShortNames: []string{"tr"},
		NewFunc:        func() runtime.Object { return &ml.TrainingRuntime{} },
		NewListFunc:    func() runtime.Object { return &ml.TrainingRuntimeList{} },
		GetAttrs:       trainingruntime.GetAttrs,
		Strategy:       trainingruntime.NewStrategy(o.Scheme, o.Validation),
		TableConvertor: newTableConvertor(),
	})
	if err != nil {
		cluster.Destroy()
		return TrainingRuntimeStorage{}, err
	}
	return TrainingRuntimeStorage{ClusterTrainingRuntime: &ClusterREST{cluster}, TrainingRuntime: namespaced}, nil
}
