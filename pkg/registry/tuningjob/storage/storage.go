// Package storage holds the etcd storage of TuningJobs and of their status
// subresource, and how kubectl prints them.
package storage

import (
	"k8s.io/apimachinery/pkg/runtime"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
	"ml.example.io/ml-apiserver/pkg/registry/tuningjob"
)

// TuningJobStorage is the storage of TuningJobs and of their status.
type TuningJobStorage struct {
	TuningJob *registryutil.REST
	Status    *registryutil.StatusREST
}

// NewStorage returns the storage of TuningJobs, whose trial templates and
// trial counts are validated against the caps in o. The trials of a
// TuningJob are owned by it and deleted with it (by the garbage collector
// in aggregated mode, by the TuningJob controller in both).
func NewStorage(o registryutil.StorageOptions) (TuningJobStorage, error) {
	store, status, err := registryutil.NewStore(o.RESTOptions, registryutil.Resource{
		Name: "tuningjobs", Singular: "tuningjob", ShortNames: []string{"tun"},
		NewFunc:        func() runtime.Object { return &ml.TuningJob{} },
		NewListFunc:    func() runtime.Object { return &ml.TuningJobList{} },
		GetAttrs:       tuningjob.GetAttrs,
		Strategy:       tuningjob.NewStrategy(o.Scheme, o.Validation),
		StatusStrategy: tuningjob.NewStatusStrategy(o.Scheme),
		TableConvertor: newTableConvertor(),
	})
	if err != nil {
		return TuningJobStorage{}, err
	}
	return TuningJobStorage{TuningJob: store, Status: status}, nil
}
