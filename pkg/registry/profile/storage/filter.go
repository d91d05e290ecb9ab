package storage

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/registry/rest"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/profile"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

// REST is the storage of Profiles. Get, list and watch show a user who
// does not see every profile (Access.SeesAll) only the profiles they
// belong to, as OpenShift's projects: another profile is not found, and a
// watch turns a change of membership into ADDED or DELETED.
type REST struct {
	*registryutil.REST
	access Access
}

// Categories is none: profiles are cluster-scoped, and in the category
// `ml` of the namespaced kinds `kubectl delete ml --all -n team-a` would
// delete every profile of the cluster, not the team's objects.
func (r *REST) Categories() []string { return nil }

var (
	_ rest.Getter  = &REST{}
	_ rest.Lister  = &REST{}
	_ rest.Watcher = &REST{}
)

// Get returns the profile, or not found when the user may not see it.
func (r *REST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	obj, err := r.REST.Get(ctx, name, options)
	if err != nil {
		return nil, err
	}
	if err := r.checkVisible(ctx, obj.(*ml.Profile)); err != nil {
		return nil, err
	}
	return obj, nil
}

// checkVisible returns not found when the request's user may not see p.
func (r *REST) checkVisible(ctx context.Context, p *ml.Profile) error {
	u, err := requestUser(ctx)
	if err != nil {
		return apierrors.NewNotFound(ml.Resource("profiles"), p.Name)
	}
	if profile.IsMember(p, u) || r.access.SeesAll(ctx, u) {
		return nil
	}
	return apierrors.NewNotFound(ml.Resource("profiles"), p.Name)
}

// List returns the profiles the user may see. A page of a limited list
// may hold fewer items than the limit; continue tokens stay valid.
func (r *REST) List(ctx context.Context, options *metainternalversion.ListOptions) (runtime.Object, error) {
	obj, err := r.REST.List(ctx, options)
	if err != nil {
		return nil, err
	}
	u, err := requestUser(ctx)
	if err != nil {
		return nil, apierrors.NewUnauthorized(err.Error())
	}
	if r.access.SeesAll(ctx, u) {
		return obj, nil
	}
	list := obj.(*ml.ProfileList)
	items := list.Items[:0]
	for i := range list.Items {
		if profile.IsMember(&list.Items[i], u) {
			items = append(items, list.Items[i])
		}
	}
	list.Items = items
	return list, nil
}

// Watch watches the profiles the user may see.
func (r *REST) Watch(ctx context.Context, options *metainternalversion.ListOptions) (watch.Interface, error) {
	u, err := requestUser(ctx)
	if err != nil {
		return nil, apierrors.NewUnauthorized(err.Error())
	}
	if r.access.SeesAll(ctx, u) {
		return r.REST.Watch(ctx, options)
	}
	// A watch from a resourceVersion follows a list: the profiles the user
	// saw then are visible already, and their changes stay MODIFIED.
	visible := map[string]bool{}
	if rv := options.ResourceVersion; rv != "" && rv != "0" && !sendsInitialEvents(options) {
		listOptions := options.DeepCopy()
		listOptions.Watch, listOptions.ResourceVersion, listOptions.ResourceVersionMatch = false, "", ""
		listOptions.Limit, listOptions.Continue = 0, ""
		obj, err := r.REST.List(ctx, listOptions)
		if err != nil {
			return nil, err
		}
		for _, p := range obj.(*ml.ProfileList).Items {
			if profile.IsMember(&p, u) {
				visible[p.Name] = true
			}
		}
	}
	w, err := r.REST.Watch(ctx, options)
	if err != nil {
		return nil, err
	}
	return newMembershipWatch(w, visible, func(p *ml.Profile) bool { return profile.IsMember(p, u) }), nil
}

func sendsInitialEvents(options *metainternalversion.ListOptions) bool {
	return options.SendInitialEvents != nil && *options.SendInitialEvents
}
