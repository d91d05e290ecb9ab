package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apiresource "k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/e2e/framework"
)

// contributorNames are the user names among the contributors of p.
func contributorNames(p *mlv1alpha1.Profile) []string {
	var names []string
	for _, c := range p.Spec.Contributors {
		names = append(names, c.Subject.Name)
	}
	return names
}

// TestProfileAdminManagesMembers: carol, an admin contributor (not the
// owner) of profile P, adds and removes a contributor through
// profiles/members — with `kubectl ml profiles` as docs/profiles.md shows
// and with the clientset — because the admin role that the profile
// controller binds her to in P's namespace grants manage on
// profiles/members there. Bob, an edit contributor, is refused with a
// message saying what it takes; carol may not change the members of
// profile Q, where she is a viewer, nor any field of P but its
// contributors.
func TestProfileAdminManagesMembers(t *testing.T) {
	ctx := testContext(t, 3*longTimeout)
	u := newProfileUsers(t)
	waitProfileMember(ctx, t, u.carol)
	p, q := "p-"+framework.NamespaceName(t), "q-"+framework.NamespaceName(t)
	kube := framework.Kube(t, cluster.Config())
	ml := framework.ML(t, cluster.Config())
	user := func(name string) rbacv1.Subject {
		return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}
	}
	createProfile(ctx, t, ml, kube, &mlv1alpha1.Profile{
		ObjectMeta: metav1.ObjectMeta{Name: p},
		Spec: mlv1alpha1.ProfileSpec{Owner: user(u.alice), Contributors: []mlv1alpha1.Contributor{
			{Subject: user(u.carol), Role: mlv1alpha1.ContributorRoleAdmin},
			{Subject: user(u.bob), Role: mlv1alpha1.ContributorRoleEdit},
		}},
	})
	createProfile(ctx, t, ml, kube, &mlv1alpha1.Profile{
		ObjectMeta: metav1.ObjectMeta{Name: q},
		Spec: mlv1alpha1.ProfileSpec{Owner: user(u.alice), Contributors: []mlv1alpha1.Contributor{
			{Subject: user(u.carol), Role: mlv1alpha1.ContributorRoleView},
		}},
	})

	// The profile controller binds carol to admin in P's namespace and to
	// view in Q's; kube-apiserver's authorizer then answers manage on
	// profiles/members yes in P only, and no for bob, an editor.
	if err := wait.PollUntilContextTimeout(ctx, pollInterval, longTimeout, true, func(ctx context.Context) (bool, error) {
		ok, err := subjectAccess(ctx, kube, u.carol, p, "profiles", "members", "manage")
		return ok && err == nil, nil
	}); err != nil {
		t.Fatalf("carol, admin of %s, may not manage profiles/members there: %v", p, err)
	}
	for _, c := range []struct{ user, ns string }{{u.carol, q}, {u.bob, p}} {
		if ok, err := subjectAccess(ctx, kube, c.user, c.ns, "profiles", "members", "manage"); err != nil || ok {
			t.Errorf("%s may manage profiles/members in %s: %v (%v), want no", c.user, c.ns, ok, err)
		}
	}
	if !canI(t, cluster.Kubectl(t), u.carol, "manage", "profiles.ml.example.io", "members", p) {
		t.Errorf("kubectl auth can-i manage profiles.ml.example.io --subresource=members -n %s --as carol: no, want yes", p)
	}

	// Carol adds dave with `kubectl ml profiles`, as docs/profiles.md
	// shows, and removes him again.
	out, _, err := profilesCLI(ctx, t, u.carol, "add-contributor", p, "--user", u.dave, "--role", "view")
	if want := "profile.ml.example.io/" + p + " contributor user:" + u.dave + " added (view)\n"; err != nil || out != want {
		t.Fatalf("carol adds dave: %q (%v), want %q", out, err, want)
	}
	got, err := ml.MlV1alpha1().Profiles().Get(ctx, p, metav1.GetOptions{})
	if err != nil || !slices.Contains(contributorNames(got), u.dave) {
		t.Fatalf("after carol added dave, %s has contributors %v (%v)", p, contributorNames(got), err)
	}
	waitCanI(ctx, t, cluster.Kubectl(t), u.dave, "get", "trainingjobs.ml.example.io", p, true)
	if _, _, err := profilesCLI(ctx, t, u.carol, "remove-contributor", p, "--user", u.dave); err != nil {
		t.Fatalf("carol removes dave: %v", err)
	}
	got, err = ml.MlV1alpha1().Profiles().Get(ctx, p, metav1.GetOptions{})
	if err != nil || slices.Contains(contributorNames(got), u.dave) {
		t.Fatalf("after carol removed dave, %s has contributors %v (%v)", p, contributorNames(got), err)
	}
	waitCanI(ctx, t, cluster.Kubectl(t), u.dave, "get", "trainingjobs.ml.example.io", p, false)

	// The same through the clientset's UpdateMembers.
	carol, bob := profilesAs(t, u.carol), profilesAs(t, u.bob)
	daveViews := mlv1alpha1.Contributor{Subject: user(u.dave), Role: mlv1alpha1.ContributorRoleView}
	if err := updateMembers(ctx, carol, p, func(pr *mlv1alpha1.Profile) { pr.Spec.Contributors = append(pr.Spec.Contributors, daveViews) }); err != nil {
		t.Fatalf("carol adds dave through profiles/members: %v", err)
	}
	if err := updateMembers(ctx, carol, p, func(pr *mlv1alpha1.Profile) {
		pr.Spec.Contributors = slices.DeleteFunc(pr.Spec.Contributors, func(c mlv1alpha1.Contributor) bool { return c.Subject.Name == u.dave })
	}); err != nil {
		t.Fatalf("carol removes dave through profiles/members: %v", err)
	}

	// Bob, an editor of P, is told what it takes.
	err = updateMembers(ctx, bob, p, func(pr *mlv1alpha1.Profile) { pr.Spec.Contributors = append(pr.Spec.Contributors, daveViews) })
	if want := `verb "manage" on profiles.ml.example.io/members in namespace "` + p + `"`; !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), want) {
		t.Errorf("bob, an editor, adds dave: %v, want forbidden naming %s", err, want)
	}
	if _, _, err := profilesCLI(ctx, t, u.bob, "add-contributor", p, "--user", u.dave, "--role", "view"); !apierrors.IsForbidden(err) {
		t.Errorf("bob adds dave with kubectl ml profiles: %v, want forbidden", err)
	}

	// Carol administers P, not Q, where she only views.
	err = updateMembers(ctx, carol, q, func(pr *mlv1alpha1.Profile) { pr.Spec.Contributors = append(pr.Spec.Contributors, daveViews) })
	if want := `in namespace "` + q + `"`; !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), want) {
		t.Errorf("carol adds dave to %s: %v, want forbidden naming %s", q, err, want)
	}

	// Nor may she change anything of P but its contributors.
	before, err := ml.MlV1alpha1().Profiles().Get(ctx, p, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		field  string
		change func(*mlv1alpha1.Profile)
	}{
		{"spec.owner", func(pr *mlv1alpha1.Profile) { pr.Spec.Owner = user(u.carol) }},
		{"spec.resourceQuota", func(pr *mlv1alpha1.Profile) {
			pr.Spec.ResourceQuota = &corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"requests.nvidia.com/gpu": apiresource.MustParse("64")}}
		}},
		{"spec.namespaceLabels", func(pr *mlv1alpha1.Profile) { pr.Spec.NamespaceLabels = map[string]string{"team": "carol"} }},
	} {
		err := updateMembers(ctx, carol, p, c.change)
		if want := c.field + " need update on profiles"; !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), want) {
			t.Errorf("carol changes %s through profiles/members: %v, want forbidden: %s", c.field, err, want)
		}
	}
	pr, err := carol.Profiles().Get(ctx, p, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("carol gets %s: %v", p, err)
	}
	pr.Spec.Contributors = append(pr.Spec.Contributors, daveViews)
	if _, err := carol.Profiles().Update(ctx, pr, metav1.UpdateOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("carol updates %s itself: %v, want forbidden", p, err)
	}
	got, err = ml.MlV1alpha1().Profiles().Get(ctx, p, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before.Spec, got.Spec); diff != "" || !slices.Equal(contributorNames(got), []string{u.carol, u.bob}) {
		t.Errorf("%s after the refused changes, spec (-before +after):\n%s", p, diff)
	}
}
