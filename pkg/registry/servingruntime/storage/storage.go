// Package storage holds the etcd storage of ClusterServingRuntimes and
// ServingRuntimes, and how kubectl prints them. Neither has subresources.
package storage

import (
	"k8s.io/apimachinery/pkg/runtime"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
	"ml.example.io/ml-apiserver/pkg/registry/servingruntime"
)

// ServingRuntimeStorage is the storage of both serving runtime kinds.
type ServingRuntimeStorage struct {
	ClusterServingRuntime *registryutil.REST
	ServingRuntime        *registryutil.REST
}

// NewStorage returns the storage of ClusterServingRuntimes and
// ServingRuntimes, validated against the caps in o.
func NewStorage(o registryutil.StorageOptions) (ServingRuntimeStorage, error) {
	cluster, _, err := registryutil.NewStore(o.RESTOptions, registryutil.Resource{
		Name: "clusterservingruntimes", Singular: "clusterservingruntime", ShortNames: []string{"csr"},
		NewFunc:        func() runtime.Object { return &ml.ClusterServingRuntime{} },
		NewListFunc:    func() runtime.Object { return &ml.ClusterServingRuntimeList{} },
		GetAttrs:       servingruntime.ClusterGetAttrs,
		Strategy:       servingruntime.NewClusterStrategy(o.Scheme, o.Validation),
		TableConvertor: newClusterTableConvertor(),
	})
	if err != nil {
		return ServingRuntimeStorage{}, err
	}
	namespaced, _, err := registryutil.NewStore(o.RESTOptions, registryutil.Resource{
		Name: "servingruntimes", Singular: "servingruntime", ShortNames: []string{"sr"},
		NewFunc:        func() runtime.Object { return &ml.ServingRuntime{} },
		NewListFunc:    func() runtime.Object { return &ml.ServingRuntimeList{} },
		GetAttrs:       servingruntime.GetAttrs,
		Strategy:       servingruntime.NewStrategy(o.Scheme, o.Validation),
		TableConvertor: newTableConvertor(),
	})
	if err != nil {
		cluster.Destroy()
		return ServingRuntimeStorage{}, err
	}
	return ServingRuntimeStorage{ClusterServingRuntime: cluster, ServingRuntime: namespaced}, nil
}
