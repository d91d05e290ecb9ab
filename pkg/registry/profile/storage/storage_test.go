package storage

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/registrytest"
)

// admins is a fake authorizer. Like RBAC with artifacts/deploy/rbac, it
// lets every user get, list and watch profiles and update profiles/members
// anywhere (the ml-profile-member ClusterRole). Besides, "root" may list
// namespaces, "profile-admin" may update profiles cluster-wide,
// "ns-admin" may manage profiles/members in the namespace team-a (what the
// admin role grants there), and "ns-updater" may update profiles there,
// which says nothing about members.
var admins = authorizer.AuthorizerFunc(func(ctx context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
	name, verb, resource, sub, ns := a.GetUser().GetName(), a.GetVerb(), a.GetResource(), a.GetSubresource(), a.GetNamespace()
	switch {
	case resource == "profiles" && sub == "" && (verb == "get" || verb == "list" || verb == "watch"),
		resource == "profiles" && sub == "members" && (verb == "get" || verb == "update" || verb == "patch"):
		return authorizer.DecisionAllow, "ml-profile-member", nil
	case name == "root" && verb == "list" && resource == "namespaces":
		return authorizer.DecisionAllow, "", nil
	case name == "profile-admin" && verb == "update" && resource == "profiles" && sub == "" && ns == "":
		return authorizer.DecisionAllow, "", nil
	case name == "ns-admin" && verb == "manage" && resource == "profiles" && sub == "members" && ns == "team-a":
		return authorizer.DecisionAllow, "", nil
	case name == "ns-updater" && verb == "update" && resource == "profiles" && sub == "" && ns == "team-a":
		return authorizer.DecisionAllow, "", nil
	}
	return authorizer.DecisionNoOpinion, "", nil
})

func newStorage(t *testing.T, decorator generic.StorageDecorator) ProfileStorage {
	t.Helper()
	s, err := NewStorage(registrytest.NewStorageOptions(t, "profiles", decorator), Access{Authorizer: admins})
	if err != nil {
		t.Fatalf("NewStorage: %v", err)
	}
	t.Cleanup(s.Profile.Destroy)
	return s
}

func as(name string, groups ...string) context.Context {
	return genericapirequest.WithUser(genericapirequest.WithNamespace(context.Background(), ""), &user.DefaultInfo{Name: name, Groups: append(groups, user.AllAuthenticated)})
}

func userSubject(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}
}

func newProfile(name string, owner rbacv1.Subject, contributors ...ml.Contributor) *ml.Profile {
	return &ml.Profile{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: ml.ProfileSpec{
			Owner: owner, Contributors: contributors,
			PodSecurity: ml.PodSecurityBaseline, NetworkIsolation: ptr.To(true), DeletionPolicy: ml.ProfileDeletionRetain,
		},
	}
}

func create(t *testing.T, s ProfileStorage, p *ml.Profile) *ml.Profile {
	t.Helper()
	obj, err := s.Profile.Create(as("root"), p, rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create %s: %v", p.Name, err)
	}
	return obj.(*ml.Profile)
}

func listNames(t *testing.T, s ProfileStorage, ctx context.Context) []string {
	t.Helper()
	obj, err := s.Profile.List(ctx, &metainternalversion.ListOptions{})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	var names []string
	for _, p := range obj.(*ml.ProfileList).Items {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	return names
}

func TestListAndGetPerUser(t *testing.T) {
	s := newStorage(t, generic.UndecoratedStorage)
	create(t, s, newProfile("team-a", userSubject("alice")))
	create(t, s, newProfile("team-b", rbacv1.Subject{Kind: rbacv1.GroupKind, Name: "team-b"},
		ml.Contributor{Subject: userSubject("bob"), Role: ml.ContributorRoleView}))
	create(t, s, newProfile("team-c", userSubject("carol"),
		ml.Contributor{Subject: rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: "ci", Name: "robot"}, Role: ml.ContributorRoleEdit}))

	for _, tc := range []struct {
		name string
		ctx  context.Context
		want []string
	}{
		{"owner", as("alice"), []string{"team-a"}},
		{"contributor", as("bob"), []string{"team-b"}},
		{"owner group", as("dave", "team-b"), []string{"team-b"}},
		{"ServiceAccount contributor", as("system:serviceaccount:ci:robot", "system:serviceaccounts"), []string{"team-c"}},
		{"nobody's member", as("eve"), nil},
		{"may list namespaces", as("root"), []string{"team-a", "team-b", "team-c"}},
		{"may update profiles", as("profile-admin"), []string{"team-a", "team-b", "team-c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, listNames(t, s, tc.ctx)); diff != "" {
				t.Errorf("list (-want +got):\n%s", diff)
			}
			for _, name := range []string{"team-a", "team-b", "team-c"} {
				_, err := s.Profile.Get(tc.ctx, name, &metav1.GetOptions{})
				if visible := slices.Contains(tc.want, name); visible && err != nil {
					t.Errorf("get %s: %v", name, err)
				} else if !visible && !apierrors.IsNotFound(err) {
					t.Errorf("get %s of another team: got %v, want not found", name, err)
				}
			}
		})
	}
}

func setContributors(t *testing.T, s ProfileStorage, ctx context.Context, name string, contributors ...ml.Contributor) (*ml.Profile, error) {
	t.Helper()
	obj, _, err := s.Members.Update(ctx, name, rest.DefaultUpdatedObjectInfo(nil, func(ctx context.Context, newObj, oldObj runtime.Object) (runtime.Object, error) {
		p := oldObj.DeepCopyObject().(*ml.Profile)
		p.Spec.Contributors = contributors
		return p, nil
	}), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if err != nil {
		return nil, err
	}
	return obj.(*ml.Profile), nil
}

func TestWatchFollowsMembership(t *testing.T) {
	s := newStorage(t, registrytest.Backends["watch cache"])
	create(t, s, newProfile("team-a", userSubject("alice")))
	create(t, s, newProfile("team-c", userSubject("carol")))

	bob := as("bob")
	// The watch cache answers "storage is (re)initializing" until it has
	// listed etcd once; clients retry.
	var list runtime.Object
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		var err error
		list, err = s.Profile.List(bob, &metainternalversion.ListOptions{})
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("list as bob: %v", err)
	}
	w, err := s.Profile.Watch(bob, &metainternalversion.ListOptions{ResourceVersion: list.(*ml.ProfileList).ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	edit := ml.Contributor{Subject: userSubject("bob"), Role: ml.ContributorRoleEdit}
	steps := []struct {
		name   string
		change func() error
		want   watch.EventType
	}{
		{"a profile bob is not in changes", func() error {
			_, err := setContributors(t, s, as("carol"), "team-c", ml.Contributor{Subject: userSubject("eve"), Role: ml.ContributorRoleView})
			return err
		}, ""},
		{"alice adds bob", func() error { _, err := setContributors(t, s, as("alice"), "team-a", edit); return err }, watch.Added},
		{"alice changes bob's role", func() error {
			_, err := setContributors(t, s, as("alice"), "team-a", ml.Contributor{Subject: userSubject("bob"), Role: ml.ContributorRoleView})
			return err
		}, watch.Modified},
		{"alice removes bob", func() error { _, err := setContributors(t, s, as("alice"), "team-a"); return err }, watch.Deleted},
	}
	for _, step := range steps {
		if err := step.change(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if step.want == "" {
			continue
		}
		select {
		case ev := <-w.ResultChan():
			if ev.Type != step.want || name(ev.Object) != "team-a" {
				t.Fatalf("%s: got %s %s, want %s team-a", step.name, ev.Type, name(ev.Object), step.want)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: no %s event", step.name, step.want)
		}
	}
	// Deleting a profile bob no longer sees sends him nothing; the next
	// event he gets is the one of a profile he is in.
	if _, _, err := s.Profile.Delete(as("root"), "team-a", rest.ValidateAllObjectFunc, &metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	create(t, s, newProfile("team-bob", userSubject("bob")))
	select {
	case ev := <-w.ResultChan():
		if ev.Type != watch.Added || name(ev.Object) != "team-bob" {
			t.Fatalf("got %s %s, want ADDED team-bob", ev.Type, name(ev.Object))
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no ADDED event for bob's own profile")
	}
}

func TestMembers(t *testing.T) {
	s := newStorage(t, generic.UndecoratedStorage)
	created := create(t, s, newProfile("team-a", userSubject("alice"),
		ml.Contributor{Subject: userSubject("bob"), Role: ml.ContributorRoleEdit}))
	view := ml.Contributor{Subject: userSubject("carol"), Role: ml.ContributorRoleView}

	t.Run("the owner changes contributors", func(t *testing.T) {
		p, err := setContributors(t, s, as("alice"), "team-a", view)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]ml.Contributor{view}, p.Spec.Contributors); diff != "" {
			t.Errorf("contributors (-want +got):\n%s", diff)
		}
		if p.Generation != created.Generation+1 {
			t.Errorf("generation %d, want %d", p.Generation, created.Generation+1)
		}
	})
	t.Run("the owner group changes contributors", func(t *testing.T) {
		create(t, s, newProfile("team-g", rbacv1.Subject{Kind: rbacv1.GroupKind, Name: "leads"}))
		if _, err := setContributors(t, s, as("dave", "leads"), "team-g", view); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("the admin of the profile's namespace changes contributors", func(t *testing.T) {
		if _, err := setContributors(t, s, as("ns-admin"), "team-a", view); err != nil {
			t.Fatal(err)
		}
		// Not those of another profile: hidden from a stranger, refused
		// to a member.
		create(t, s, newProfile("team-b", userSubject("alice")))
		if _, err := setContributors(t, s, as("ns-admin"), "team-b", view); !apierrors.IsNotFound(err) {
			t.Errorf("ns-admin changes team-b's members: %v, want not found", err)
		}
		create(t, s, newProfile("team-m", userSubject("alice"), ml.Contributor{Subject: userSubject("ns-admin"), Role: ml.ContributorRoleView}))
		if _, err := setContributors(t, s, as("ns-admin"), "team-m", view); !apierrors.IsForbidden(err) {
			t.Errorf("ns-admin, a viewer of team-m, changes its members: %v, want forbidden", err)
		}
	})
	t.Run("update on profiles in the namespace is not member management", func(t *testing.T) {
		create(t, s, newProfile("team-u", userSubject("alice"), ml.Contributor{Subject: userSubject("ns-updater"), Role: ml.ContributorRoleEdit}))
		_, err := setContributors(t, s, as("ns-updater"), "team-u", view)
		if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), `verb "manage" on profiles.ml.example.io/members in namespace "team-u"`) {
			t.Errorf("ns-updater changes members: %v, want forbidden naming manage on profiles/members", err)
		}
	})
	t.Run("a profile admin changes contributors", func(t *testing.T) {
		if _, err := setContributors(t, s, as("profile-admin"), "team-a", view); err != nil {
			t.Fatal(err)
		}
	})

	for _, tc := range []struct {
		name   string
		ctx    context.Context
		change func(*ml.Profile)
		check  func(error) bool
		msg    string
	}{
		{"a contributor", as("carol"), func(p *ml.Profile) { p.Spec.Contributors = nil }, apierrors.IsForbidden, `only the owner of the profile (spec.owner User "alice")`},
		{"a stranger", as("eve"), func(p *ml.Profile) { p.Spec.Contributors = nil }, apierrors.IsNotFound, "not found"},
		{"the owner, changing the quota", as("alice"), func(p *ml.Profile) {
			p.Spec.ResourceQuota = &corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{GPUResource: resource.MustParse("64")}}
			p.Spec.Owner = userSubject("mallory")
		}, apierrors.IsForbidden, "spec.owner, spec.resourceQuota need update on profiles"},
		{"the owner, listing twice", as("alice"), func(p *ml.Profile) { p.Spec.Contributors = []ml.Contributor{view, view} }, apierrors.IsInvalid, "spec.contributors[1].subject: Duplicate value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := s.Members.Update(tc.ctx, "team-a", rest.DefaultUpdatedObjectInfo(nil, func(ctx context.Context, newObj, oldObj runtime.Object) (runtime.Object, error) {
				p := oldObj.DeepCopyObject().(*ml.Profile)
				tc.change(p)
				return p, nil
			}), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
			if !tc.check(err) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("got %v, want an error containing %q", err, tc.msg)
			}
		})
	}
}

func TestTable(t *testing.T) {
	p := newProfile("team-a", userSubject("alice"), ml.Contributor{Subject: userSubject("bob"), Role: ml.ContributorRoleEdit})
	p.Spec.ResourceQuota = &corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{GPUResource: resource.MustParse("8")}}
	p.Status.Phase = ml.ProfileReady
	p.Status.Quota = &corev1.ResourceQuotaStatus{
		Hard: corev1.ResourceList{GPUResource: resource.MustParse("8")},
		Used: corev1.ResourceList{GPUResource: resource.MustParse("3")},
	}
	got := profileCells(p, time.Now())[:5]
	want := []any{"team-a", "User/alice", int64(1), "3/8", "Ready"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cells (-want +got):\n%s", diff)
	}
	if got := gpuUsage(newProfile("x", userSubject("a"))); got != "0/-" {
		t.Errorf("without a GPU quota: %q, want 0/-", got)
	}
}

func name(obj runtime.Object) string {
	p, ok := profileOf(obj)
	if !ok {
		return fmt.Sprintf("a %T", obj)
	}
	return p.Name
}

// TestNoCategory keeps profiles out of the category `ml`: they are
// cluster-scoped, so `kubectl delete ml --all -n NS` would delete them all.
func TestNoCategory(t *testing.T) {
	s := newStorage(t, generic.UndecoratedStorage)
	if got := s.Profile.Categories(); len(got) != 0 {
		t.Errorf("profiles are in categories %q; a cluster-scoped kind must not share `ml` with the namespaced kinds", got)
	}
}
