package profiles

import (
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// Roles are the contributor roles, from the most to the least rights.
var Roles = []mlv1alpha1.ContributorRole{
	mlv1alpha1.ContributorRoleAdmin, mlv1alpha1.ContributorRoleEdit, mlv1alpha1.ContributorRoleView,
}

// RoleOwner is the role printed for the owner of a profile.
const RoleOwner = "owner"

// subjectString names a subject as the flags do: user:alice, group:team,
// serviceaccount:ns:name.
func subjectString(s rbacv1.Subject) string {
	switch s.Kind {
	case rbacv1.ServiceAccountKind:
		return "serviceaccount:" + s.Namespace + ":" + s.Name
	case rbacv1.GroupKind:
		return "group:" + s.Name
	case rbacv1.UserKind:
		return "user:" + s.Name
	}
	return s.Kind + ":" + s.Name
}

// sameSubject compares kind, name and namespace: the API group of a User or
// Group may be empty or rbac.authorization.k8s.io.
func sameSubject(a, b rbacv1.Subject) bool {
	return a.Kind == b.Kind && a.Name == b.Name && a.Namespace == b.Namespace
}

// subjectFromFlags builds the one subject given by --user, --group or
// --serviceaccount, as kubectl create rolebinding names them.
func subjectFromFlags(user, group, sa string) (rbacv1.Subject, error) {
	set := 0
	for _, v := range []string{user, group, sa} {
		if v != "" {
			set++
		}
	}
	if set != 1 {
		return rbacv1.Subject{}, fmt.Errorf("name exactly one subject with --user, --group or --serviceaccount=NAMESPACE:NAME")
	}
	switch {
	case user != "":
		return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}, nil
	case group != "":
		return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: group}, nil
	}
	ns, name, ok := strings.Cut(sa, ":")
	if !ok || ns == "" || name == "" || strings.Contains(name, ":") {
		return rbacv1.Subject{}, fmt.Errorf("--serviceaccount %q is not NAMESPACE:NAME", sa)
	}
	return rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: name}, nil
}

// parseRole checks a --role value.
func parseRole(role string) (mlv1alpha1.ContributorRole, error) {
	for _, r := range Roles {
		if string(r) == role {
			return r, nil
		}
	}
	names := make([]string, len(Roles))
	for i, r := range Roles {
		names[i] = string(r)
	}
	return "", fmt.Errorf("--role %q is not a contributor role: use one of %s", role, strings.Join(names, ", "))
}

// Identity is who the caller is, as the server authenticated them.
type Identity struct {
	User   string
	Groups []string
}

// matches reports whether the subject names the identity: its user name,
// one of its groups, or its ServiceAccount.
func (id Identity) matches(s rbacv1.Subject) bool {
	switch s.Kind {
	case rbacv1.UserKind:
		return s.Name == id.User
	case rbacv1.GroupKind:
		for _, g := range id.Groups {
			if g == s.Name {
				return true
			}
		}
	case rbacv1.ServiceAccountKind:
		return id.User == "system:serviceaccount:"+s.Namespace+":"+s.Name
	}
	return false
}

// RoleOf is the identity's role in the profile: owner, else the strongest
// role of the contributors naming it (by user, group or ServiceAccount),
// else "" (a cluster administrator sees profiles they are not in).
func RoleOf(p *mlv1alpha1.Profile, id Identity) string {
	if id.matches(p.Spec.Owner) {
		return RoleOwner
	}
	best := len(Roles)
	for _, c := range p.Spec.Contributors {
		if !id.matches(c.Subject) {
			continue
		}
		for i, r := range Roles {
			if r == c.Role && i < best {
				best = i
			}
		}
	}
	if best == len(Roles) {
		return ""
	}
	return string(Roles[best])
}
