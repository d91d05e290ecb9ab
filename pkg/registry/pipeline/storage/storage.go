// Package storage holds the etcd storage of Pipelines and of their status
// subresource, and how kubectl prints them.
package storage

import (
	"k8s.io/apimachinery/pkg/runtime"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/pipeline"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

// PipelineStorage is the storage of Pipelines and of their subresources.
type PipelineStorage struct {
	Pipeline *registryutil.REST
	Status   *registryutil.StatusREST
}

// NewStorage returns the storage of Pipelines, validated against the caps
// in o, and of their status subresource.
func NewStorage(o registryutil.StorageOptions) (PipelineStorage, error) {
	store, status, err := registryutil.NewStore(o.RESTOptions, registryutil.Resource{
		Name: "pipelines", Singular: "pipeline", ShortNames: []string{"pl"},
		NewFunc:        func() runtime.Object { return &ml.Pipeline{} },
		NewListFunc:    func() runtime.Object { return &ml.PipelineList{} },
		GetAttrs:       pipeline.GetAttrs,
		Strategy:       pipeline.NewStrategy(o.Scheme, o.Validation),
		StatusStrategy: pipeline.NewStatusStrategy(o.Scheme),
		TableConvertor: newTableConvertor(),
	})
	if err != nil {
		return PipelineStorage{}, err
	}
	return PipelineStorage{Pipeline: store, Status: status}, nil
}
