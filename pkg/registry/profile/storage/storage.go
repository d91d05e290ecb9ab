// Package storage holds the etcd storage of Profiles, filtered per user on
// get, list and watch, and of their status and members subresources, and
// how kubectl prints them.
package storage

import (
	"k8s.io/apimachinery/pkg/runtime"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/profile"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

// ProfileStorage is the storage of Profiles and of their subresources.
type ProfileStorage struct {
	Profile *REST
	Status  *registryutil.StatusREST
	// Members lets owners change spec.contributors.
	Members *MembersREST
}

// NewStorage returns the storage of Profiles; access decides who sees and
// changes which profiles.
func NewStorage(o registryutil.StorageOptions, access Access) (ProfileStorage, error) {
	store, status, err := registryutil.NewStore(o.RESTOptions, registryutil.Resource{
		Name: "profiles", Singular: "profile", ShortNames: []string{"prof"},
		NewFunc:        func() runtime.Object { return &ml.Profile{} },
		NewListFunc:    func() runtime.Object { return &ml.ProfileList{} },
		GetAttrs:       profile.GetAttrs,
		Strategy:       profile.NewStrategy(o.Scheme),
		StatusStrategy: profile.NewStatusStrategy(o.Scheme),
		TableConvertor: newTableConvertor(),
	})
	if err != nil {
		return ProfileStorage{}, err
	}
	r := &REST{REST: store, access: access}
	return ProfileStorage{
		Profile: r,
		Status:  status,
		Members: &MembersREST{store: store.Store, profile: r},
	}, nil
}
