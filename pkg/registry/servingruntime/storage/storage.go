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
	ClusterServingRuntime *ClusterREST
	ServingRuntime        *registryutil.REST
}

// ClusterREST is the storage of ClusterServingRuntimes.
type ClusterREST struct {
	*registryutil.REST
}

// Categories is none: ClusterServingRuntimes are cluster-scoped, and in
// the category `ml` of the namespaced kinds `kubectl delete ml --all -n
// team-a` would delete the cluster's model servers.
func (r *ClusterREST) Categories() []string { return nil }

// NewStorage returns the storage of ClusterServingRuntimes and
// ServingRuntimes, validated against the caps in o.
func NewStorage(o registryutil.StorageOptions) (ServingRuntimeStorage, error) {
	// Short names csrt and srt: csr is kube's CertificateSigningRequests.
	cluster, _, err := registryutil.NewStore(o.RESTOptions, registryutil.Resource{
		Name: "clusterservingruntimes", Singular: "clusterservingruntime", ShortNames: []string{"csrt"},
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
		Name: "servingruntimes", Singular: "servingruntime", ShortNames: []string{"srt"},
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
	return ServingRuntimeStorage{ClusterServingRuntime: &ClusterREST{cluster}, ServingRuntime: namespaced}, nil
}
