package testing

import (
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// ProfileWrapper builds a Profile.
type ProfileWrapper struct {
	obj ml.Profile
	MetaSetters[*ProfileWrapper]
}

// MakeProfile starts a Profile owned by the user owner, defaulted as the
// API server would (baseline Pod Security, network isolation, Retain).
func MakeProfile(name, owner string) *ProfileWrapper {
	w := &ProfileWrapper{obj: ml.Profile{
		ObjectMeta: objectMeta(name, ""),
		Spec: ml.ProfileSpec{
			Owner:            User(owner),
			PodSecurity:      ml.PodSecurityBaseline,
			NetworkIsolation: ptr.To(true),
			DeletionPolicy:   ml.ProfileDeletionRetain,
		},
	}}
	w.MetaSetters = MetaSetters[*ProfileWrapper]{&w.obj.ObjectMeta, w}
	return w
}

// User is the RBAC subject of a user.
func User(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}
}

// Group is the RBAC subject of a group.
func Group(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: name}
}

// Obj returns a copy of the Profile.
func (w *ProfileWrapper) Obj() *ml.Profile { return w.obj.DeepCopy() }

// Owner sets spec.owner.
func (w *ProfileWrapper) Owner(s rbacv1.Subject) *ProfileWrapper {
	w.obj.Spec.Owner = s
	return w
}

// Contributor adds a contributor.
func (w *ProfileWrapper) Contributor(s rbacv1.Subject, role ml.ContributorRole) *ProfileWrapper {
	w.obj.Spec.Contributors = append(w.obj.Spec.Contributors, ml.Contributor{Subject: s, Role: role})
	return w
}

// Quota sets spec.resourceQuota.hard.
func (w *ProfileWrapper) Quota(hard corev1.ResourceList) *ProfileWrapper {
	w.obj.Spec.ResourceQuota = &corev1.ResourceQuotaSpec{Hard: hard}
	return w
}

// Spec changes the spec.
func (w *ProfileWrapper) Spec(f func(*ml.ProfileSpec)) *ProfileWrapper {
	f(&w.obj.Spec)
	return w
}
