package apiserver

import (
	"fmt"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/registry/rest"

	profilestorage "ml.example.io/ml-apiserver/pkg/registry/profile/storage"
	"ml.example.io/ml-apiserver/pkg/registry/profilerequest"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

// ProfilesConfig serves Profiles and ProfileRequests. Aggregated mode only:
// a profile is a namespace with RoleBindings of kube-apiserver, which
// standalone mode has none of.
type ProfilesConfig struct {
	// MaxPerUser is how many profiles one user may own through
	// ProfileRequests; 0 turns requests off.
	MaxPerUser int
	// Template is the ConfigMap requested profiles start from.
	Template types.NamespacedName
	// Authorizer is the server's: who may list namespaces or update
	// profiles sees every profile.
	Authorizer authorizer.Authorizer
}

// profileStorage is the storage of Profiles and ProfileRequests.
type profileStorage struct {
	profiles profilestorage.ProfileStorage
	requests *profilerequest.REST
}

// newProfileStorage builds the storage of Profiles and ProfileRequests,
// or nothing when ExtraConfig.Profiles is not set (standalone mode).
func (c completedConfig) newProfileStorage(o registryutil.StorageOptions) (*profileStorage, error) {
	pc := c.ExtraConfig.Profiles
	if pc == nil {
		return nil, nil
	}
	access := profilestorage.Access{Authorizer: pc.Authorizer}
	profiles, err := profilestorage.NewStorage(o, access)
	if err != nil {
		return nil, fmt.Errorf("profiles storage: %w", err)
	}
	template := func() profilerequest.Template {
		if c.ExtraConfig.KubeClient == nil {
			return profilerequest.EmptyTemplate(o.Scheme)
		}
		return profilerequest.ConfigMapTemplate(c.ExtraConfig.KubeClient, pc.Template, o.Scheme)
	}()
	return &profileStorage{
		profiles: profiles,
		requests: profilerequest.NewREST(profiles.Profile.Store, template, pc.MaxPerUser),
	}, nil
}

// addTo adds the paths of Profiles and ProfileRequests to m.
func (s *profileStorage) addTo(m map[string]rest.Storage) {
	if s == nil {
		return
	}
	m["profiles"] = s.profiles.Profile
	m["profiles/status"] = s.profiles.Status
	m["profiles/members"] = s.profiles.Members
	m["profilerequests"] = s.requests
}
