package storage

import (
	"context"
	"fmt"

	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// Access asks the server's authorizer what a request's user may do with
// every profile, beyond the profiles they belong to.
type Access struct {
	// Authorizer is the server's (in aggregated mode, SubjectAccessReviews
	// to kube-apiserver). Nil lets everyone see and change only the
	// profiles they belong to.
	Authorizer authorizer.Authorizer
}

// requestUser returns the user of ctx.
func requestUser(ctx context.Context) (user.Info, error) {
	u, ok := genericapirequest.UserFrom(ctx)
	if !ok {
		return nil, fmt.Errorf("no user in the request")
	}
	return u, nil
}

// SeesAll reports whether u sees every profile: who may list namespaces
// cluster-wide (cluster admins and readers, as for OpenShift's projects) or
// update profiles. Everyone else sees the profiles they belong to; every
// authenticated user may list profiles, so `list profiles` itself cannot
// tell them apart.
func (a Access) SeesAll(ctx context.Context, u user.Info) bool {
	return a.allowed(ctx, u, "list", "", "namespaces") || a.MayUpdate(ctx, u)
}

// MayUpdate reports whether u may update profiles cluster-wide, and so
// change any field of any profile.
func (a Access) MayUpdate(ctx context.Context, u user.Info) bool {
	return a.allowed(ctx, u, "update", ml.GroupName, "profiles")
}

// ManageVerb and MembersSubresource name the permission that lets a user
// change the members of the profile of a namespace without owning it:
// `manage` on `profiles/members` in that namespace. Like `escalate`, `bind`
// and `impersonate`, manage is a verb no request carries: only this server
// asks for it. The aggregate-to-admin ClusterRole grants it, so the owner's
// and admin contributors' RoleBindings to admin in the profile's namespace
// carry it there and nowhere else.
const (
	ManageVerb         = "manage"
	MembersSubresource = "members"
)

// MayManageMembers reports whether u may change the members of the
// profile name without owning it: who may manage profiles/members in the
// profile's namespace (of the same name), such as its admins. Not update
// on profiles/members: every authenticated user may do that, this server
// checks the rest.
func (a Access) MayManageMembers(ctx context.Context, u user.Info, name string) bool {
	return a.authorize(ctx, authorizer.AttributesRecord{
		User: u, Verb: ManageVerb, APIGroup: ml.GroupName, APIVersion: "*",
		Resource: "profiles", Subresource: MembersSubresource, Namespace: name, Name: name, ResourceRequest: true,
	})
}

// allowed asks the authorizer; an error (kube-apiserver unreachable) is
// logged and counts as a denial, so the user sees only their own profiles.
func (a Access) allowed(ctx context.Context, u user.Info, verb, group, resource string) bool {
	return a.authorize(ctx, authorizer.AttributesRecord{
		User:            u,
		Verb:            verb,
		APIGroup:        group,
		APIVersion:      "*",
		Resource:        resource,
		ResourceRequest: true,
	})
}

func (a Access) authorize(ctx context.Context, attrs authorizer.AttributesRecord) bool {
	if a.Authorizer == nil {
		return false
	}
	decision, _, err := a.Authorizer.Authorize(ctx, attrs)
	if err != nil && decision != authorizer.DecisionAllow {
		klog.FromContext(ctx).Error(err, "Authorization check failed", "user", attrs.User.GetName(), "verb", attrs.Verb, "resource", attrs.Resource, "subresource", attrs.Subresource)
	}
	return decision == authorizer.DecisionAllow
}
