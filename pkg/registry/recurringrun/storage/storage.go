// Package storage holds the etcd storage of RecurringRuns and of their
// status subresource, and how kubectl prints them.
package storage

import (
	"k8s.io/apimachinery/pkg/runtime"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/recurringrun"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

// RecurringRunStorage is the storage of RecurringRuns and of their status.
type RecurringRunStorage struct {
	RecurringRun *registryutil.REST
	Status       *registryutil.StatusREST
}

// NewStorage returns the storage of RecurringRuns, whose run templates are
// validated against the caps in o. The runs a RecurringRun started are
// owned by it and deleted with it (by the garbage collector in aggregated
// mode, by the RecurringRun controller in both).
func NewStorage(o registryutil.StorageOptions) (RecurringRunStorage, error) {
	store, status, err := registryutil.NewStore(o.RESTOptions, registryutil.Resource{
		Name: "recurringruns", Singular: "recurringrun", ShortNames: []string{"rr"},
		NewFunc:        func() runtime.Object { return &ml.RecurringRun{} },
		NewListFunc:    func() runtime.Object { return &ml.RecurringRunList{} },
		GetAttrs:       recurringrun.GetAttrs,
		Strategy:       recurringrun.NewStrategy(o.Scheme, o.Validation),
		StatusStrategy: recurringrun.NewStatusStrategy(o.Scheme),
		TableConvertor: newTableConvertor(),
	})
	if err != nil {
		return RecurringRunStorage{}, err
	}
	return RecurringRunStorage{RecurringRun: store, Status: status}, nil
}
