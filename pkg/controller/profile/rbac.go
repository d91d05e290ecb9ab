package profile

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// members are the profile's owner (admin) and contributors.
func members(p *mlv1alpha1.Profile) []member {
	out := []member{{subject: p.Spec.Owner, role: RoleAdmin}}
	for _, c := range p.Spec.Contributors {
		out = append(out, member{subject: c.Subject, role: string(c.Role)})
	}
	return out
}

// syncRBAC makes the default-editor ServiceAccount and the RoleBindings of
// the members, and deletes the profile's bindings the spec no longer asks
// for, so that a removed contributor loses access.
func (c *Controller) syncRBAC(ctx context.Context, s *syncState, owner metav1.OwnerReference) error {
	p := s.p
	var errs []error
	ch, err := ensure(ctx, c, c.serviceAccountClient(), serviceAccount(p.Name, owner))
	if err != nil {
		errs = append(errs, err)
	}
	c.event(p, ch, "ServiceAccount", DefaultEditor, "")

	bindings := c.roleBindingClient()
	want := map[string]bool{}
	for _, rb := range roleBindings(p.Name, members(p), owner) {
		want[rb.Name] = true
		// A binding's role cannot change: one of that name bound to
		// another role (made by someone else) is replaced.
		if old, err := bindings.cached(p.Name, rb.Name); err == nil && old.RoleRef != rb.RoleRef {
			if _, err := remove(ctx, bindings, p.Name, p.Name, rb.Name); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		ch, err := ensure(ctx, c, bindings, rb)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		c.event(p, ch, "RoleBinding", rb.Name, fmt.Sprintf(": %s %s is %s", rb.Subjects[0].Kind, rb.Subjects[0].Name, rb.RoleRef.Name))
	}

	existing, err := c.roleBindings.RoleBindings(p.Name).List(labels.SelectorFromSet(childLabels(p.Name)))
	if err != nil {
		return utilerrors.NewAggregate(append(errs, err))
	}
	for _, rb := range existing {
		if want[rb.Name] {
			continue
		}
		ch, err := remove(ctx, bindings, p.Name, p.Name, rb.Name)
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, err)
			continue
		}
		who := ""
		if len(rb.Subjects) > 0 {
			who = fmt.Sprintf(": %s %s is no longer %s", rb.Subjects[0].Kind, rb.Subjects[0].Name, rb.RoleRef.Name)
		}
		c.event(p, ch, "RoleBinding", rb.Name, who)
	}
	return utilerrors.NewAggregate(errs)
}
