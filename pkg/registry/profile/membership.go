package profile

import (
	"slices"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apiserver/pkg/authentication/serviceaccount"
	"k8s.io/apiserver/pkg/authentication/user"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// Matches reports whether s names u: the user by name, one of u's groups,
// or u's ServiceAccount.
func Matches(s *rbacv1.Subject, u user.Info) bool {
	if u == nil {
		return false
	}
	switch s.Kind {
	case rbacv1.UserKind:
		return s.Name == u.GetName()
	case rbacv1.GroupKind:
		return slices.Contains(u.GetGroups(), s.Name)
	case rbacv1.ServiceAccountKind:
		return serviceaccount.MakeUsername(s.Namespace, s.Name) == u.GetName()
	}
	return false
}

// IsOwner reports whether u is p's owner (or in the owner group).
func IsOwner(p *ml.Profile, u user.Info) bool {
	return Matches(&p.Spec.Owner, u)
}

// IsMember reports whether u is p's owner or one of its contributors.
func IsMember(p *ml.Profile, u user.Info) bool {
	if IsOwner(p, u) {
		return true
	}
	for i := range p.Spec.Contributors {
		if Matches(&p.Spec.Contributors[i].Subject, u) {
			return true
		}
	}
	return false
}

// SubjectOf is the subject that names u as a profile's owner: its
// ServiceAccount when u is one, else the user.
func SubjectOf(u user.Info) rbacv1.Subject {
	if ns, name, err := serviceaccount.SplitUsername(u.GetName()); err == nil {
		return rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: name}
	}
	return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: u.GetName()}
}
