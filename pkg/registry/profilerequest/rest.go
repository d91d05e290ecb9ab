// Package profilerequest serves ProfileRequests: create-only, like
// OpenShift's projectrequests. Any authenticated user creates one and gets
// a Profile of its name, owned by them, made from the administrators'
// template, within a per-user limit.
package profilerequest

import (
	"context"
	"fmt"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/registry/profile"
)

// DescriptionAnnotation is the profile annotation a request's description goes to.
const DescriptionAnnotation = "ml.example.io/description"

// DefaultMaxProfilesPerUser is how many profiles one user may own through
// requests unless --max-profiles-per-user says otherwise.
const DefaultMaxProfilesPerUser = 5

// Profiles is the unfiltered storage of Profiles the requests create in.
type Profiles interface {
	rest.Creater
	rest.Lister
}

// REST is the storage of ProfileRequests. Its per-user limit holds for one
// API server replica: the requests of one user are serialized in the
// process, then the user's profiles are counted and the next one created.
type REST struct {
	profiles   Profiles
	template   Template
	maxPerUser int
	locks      userLocks
}

var (
	_ rest.Creater              = &REST{}
	_ rest.Scoper               = &REST{}
	_ rest.SingularNameProvider = &REST{}
)

// NewREST returns the storage of ProfileRequests: profiles are created in
// profiles from template, at most maxPerUser owned by each user (0 turns
// requests off).
func NewREST(profiles Profiles, template Template, maxPerUser int) *REST {
	return &REST{profiles: profiles, template: template, maxPerUser: maxPerUser}
}

// New returns an empty ProfileRequest.
func (r *REST) New() runtime.Object { return &ml.ProfileRequest{} }

// Destroy does nothing: the profiles' store is owned by their storage.
func (r *REST) Destroy() {}

// NamespaceScoped is false: requests and profiles are cluster-scoped.
func (r *REST) NamespaceScoped() bool { return false }

// GetSingularName returns "profilerequest".
func (r *REST) GetSingularName() string { return "profilerequest" }

// Create makes the Profile the request asks for and returns it.
func (r *REST) Create(ctx context.Context, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	req, ok := obj.(*ml.ProfileRequest)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not a ProfileRequest: %T", obj))
	}
	if errs := validation.ValidateProfileRequest(req); len(errs) > 0 {
		return nil, apierrors.NewInvalid(ml.Kind("ProfileRequest"), req.Name, errs)
	}
	if createValidation != nil {
		if err := createValidation(ctx, req.DeepCopyObject()); err != nil {
			return nil, err
		}
	}
	u, ok := genericapirequest.UserFrom(ctx)
	if !ok {
		return nil, apierrors.NewUnauthorized("a ProfileRequest needs an authenticated user")
	}
	if r.maxPerUser <= 0 {
		return nil, apierrors.NewForbidden(ml.Resource("profilerequests"), req.Name,
			fmt.Errorf("self-service profiles are turned off (--max-profiles-per-user=0); ask an administrator to create the profile"))
	}
	owner := profile.SubjectOf(u)

	unlock := r.locks.lock(u.GetName())
	defer unlock()
	owned, err := r.countOwned(ctx, owner)
	if err != nil {
		return nil, err
	}
	if owned >= r.maxPerUser {
		return nil, apierrors.NewForbidden(ml.Resource("profilerequests"), req.Name,
			fmt.Errorf("%s %q owns %d profiles, the limit of profiles per user (--max-profiles-per-user) is %d", owner.Kind, owner.Name, owned, r.maxPerUser))
	}
	spec, err := r.template(ctx)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	p := newProfile(req, spec, owner)
	klog.FromContext(ctx).V(2).Info("Creating a requested profile", "profile", req.Name, "owner", owner.Name, "owned", owned)
	return r.profiles.Create(ctx, p, rest.ValidateAllObjectFunc, &metav1.CreateOptions{DryRun: options.DryRun, FieldManager: options.FieldManager})
}

// countOwned counts the profiles owner owns, from a consistent list.
func (r *REST) countOwned(ctx context.Context, owner rbacv1.Subject) (int, error) {
	obj, err := r.profiles.List(ctx, &metainternalversion.ListOptions{})
	if err != nil {
		return 0, fmt.Errorf("list profiles: %w", err)
	}
	n := 0
	for _, p := range obj.(*ml.ProfileList).Items {
		o := p.Spec.Owner
		if o.Kind == owner.Kind && o.Name == owner.Name && o.Namespace == owner.Namespace {
			n++
		}
	}
	return n, nil
}

// newProfile is the profile req asks for: the template's spec, owned by owner.
func newProfile(req *ml.ProfileRequest, spec *ml.ProfileSpec, owner rbacv1.Subject) *ml.Profile {
	p := &ml.Profile{ObjectMeta: metav1.ObjectMeta{Name: req.Name, Labels: req.Labels}, Spec: *spec.DeepCopy()}
	if req.Description != "" {
		p.Annotations = map[string]string{DescriptionAnnotation: req.Description}
	}
	p.Spec.Owner = owner
	// The owner is admin already: a template listing them is not an error.
	contributors := p.Spec.Contributors[:0]
	for _, c := range p.Spec.Contributors {
		if c.Subject.Kind != owner.Kind || c.Subject.Name != owner.Name || c.Subject.Namespace != owner.Namespace {
			contributors = append(contributors, c)
		}
	}
	p.Spec.Contributors = contributors
	return p
}
