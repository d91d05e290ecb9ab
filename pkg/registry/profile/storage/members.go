package storage

import (
	"context"
	"fmt"
	"strings"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/profile"
)

// MembersREST is the profiles/members subresource: the profile's owner
// changes spec.contributors through it without any cluster-wide RBAC (every
// authenticated user may update profiles/members; this storage checks who
// owns the profile). Users who may update profiles may use it too, and so
// may the profile's admins: who may manage profiles/members in the
// profile's namespace (the admin role there, see Access.MayManageMembers).
type MembersREST struct {
	store   *genericregistry.Store
	profile *REST
}

var (
	_ rest.Patcher = &MembersREST{}
	_ rest.Storage = &MembersREST{}
)

// New returns an empty Profile: the subresource reads and writes Profiles.
func (r *MembersREST) New() runtime.Object { return &ml.Profile{} }

// Destroy does nothing: the main store owns the shared storage.
func (r *MembersREST) Destroy() {}

// Get returns the profile when the user may see it.
func (r *MembersREST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	return r.profile.Get(ctx, name, options)
}

// Update writes the new spec.contributors, and nothing else, when the user
// owns the profile, administers its namespace or may update profiles.
func (r *MembersREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc,
	updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	// A subresource never creates its object.
	return r.store.Update(ctx, name, &membersUpdate{UpdatedObjectInfo: objInfo, profile: r.profile}, createValidation, updateValidation, false, options)
}

// membersUpdate keeps everything of the stored profile but the contributors.
type membersUpdate struct {
	rest.UpdatedObjectInfo
	profile *REST
}

func (m *membersUpdate) UpdatedObject(ctx context.Context, oldObj runtime.Object) (runtime.Object, error) {
	old := oldObj.(*ml.Profile)
	u, err := requestUser(ctx)
	if err != nil {
		return nil, apierrors.NewUnauthorized(err.Error())
	}
	access := m.profile.access
	if !profile.IsOwner(old, u) && !access.MayUpdate(ctx, u) && !access.MayManageMembers(ctx, u, old.Name) {
		if err := m.profile.checkVisible(ctx, old); err != nil {
			return nil, err
		}
		return nil, apierrors.NewForbidden(ml.Resource("profiles/members"), old.Name,
			fmt.Errorf("only the owner of the profile (spec.owner %s %q), an admin of its namespace (verb %q on %s/%s in namespace %q: the admin role there), or a user with update on profiles may change spec.contributors",
				old.Spec.Owner.Kind, old.Spec.Owner.Name, ManageVerb, ml.Resource("profiles"), MembersSubresource, old.Name))
	}
	obj, err := m.UpdatedObjectInfo.UpdatedObject(ctx, oldObj)
	if err != nil {
		return nil, err
	}
	updated, ok := obj.(*ml.Profile)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("profiles/members takes a Profile, not a %T", obj))
	}
	if changed := changedOtherThanContributors(&updated.Spec, &old.Spec); len(changed) > 0 {
		return nil, apierrors.NewForbidden(ml.Resource("profiles/members"), old.Name,
			fmt.Errorf("profiles/members changes spec.contributors only; %s need update on profiles", strings.Join(changed, ", ")))
	}
	result := old.DeepCopy()
	result.Spec.Contributors = updated.Spec.Contributors
	// Keep the caller's precondition and the managed fields the field
	// manager just computed.
	result.ResourceVersion = updated.ResourceVersion
	result.ManagedFields = updated.ManagedFields
	return result, nil
}

// changedOtherThanContributors names the spec fields, other than
// contributors, that differ between spec and old.
func changedOtherThanContributors(spec, old *ml.ProfileSpec) []string {
	var changed []string
	for _, f := range []struct {
		name     string
		new, old any
	}{
		{"spec.owner", spec.Owner, old.Owner},
		{"spec.resourceQuota", spec.ResourceQuota, old.ResourceQuota},
		{"spec.limitRange", spec.LimitRange, old.LimitRange},
		{"spec.podSecurity", spec.PodSecurity, old.PodSecurity},
		{"spec.networkIsolation", spec.NetworkIsolation, old.NetworkIsolation},
		{"spec.namespaceLabels", spec.NamespaceLabels, old.NamespaceLabels},
		{"spec.namespaceAnnotations", spec.NamespaceAnnotations, old.NamespaceAnnotations},
		{"spec.deletionPolicy", spec.DeletionPolicy, old.DeletionPolicy},
	} {
		if !apiequality.Semantic.DeepEqual(f.new, f.old) {
			changed = append(changed, f.name)
		}
	}
	// A field added to the spec later is refused too, if not named.
	rest := spec.DeepCopy()
	rest.Contributors = old.Contributors
	if len(changed) == 0 && !apiequality.Semantic.DeepEqual(*rest, *old) {
		changed = append(changed, "fields of spec other than contributors")
	}
	return changed
}
