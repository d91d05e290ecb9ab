package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apiresource "k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/util/retry"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlclient "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/typed/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/e2e/framework"
)

// profileUsers are users of this test only, so no other test's bindings
// make them see more: the member ClusterRole of artifacts/deploy/rbac is
// all they have.
type profileUsers struct{ alice, bob, carol, dave, team string }

func newProfileUsers(t *testing.T) profileUsers {
	suffix := framework.NamespaceName(t)
	return profileUsers{
		alice: "alice-" + suffix, bob: "bob-" + suffix, carol: "carol-" + suffix, dave: "dave-" + suffix,
		team: "team-" + suffix,
	}
}

// profiles returns the profiles client of user in groups.
func profilesAs(t *testing.T, user string, groups ...string) mlclient.MlV1alpha1Interface {
	return framework.ML(t, cluster.ConfigAs(user, groups...)).MlV1alpha1()
}

// updateMembers changes the members of profile name as client, through
// profiles/members, reading the profile afresh after a conflict: the
// profile controller writes it too (finalizer, status).
func updateMembers(ctx context.Context, client mlclient.MlV1alpha1Interface, name string, change func(*mlv1alpha1.Profile)) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		p, err := client.Profiles().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		change(p)
		_, err = client.Profiles().UpdateMembers(ctx, name, p, metav1.UpdateOptions{})
		return err
	})
}

// deleteProfiles deletes the named profiles when the test ends.
func deleteProfiles(t *testing.T, names ...string) {
	admin := framework.ML(t, cluster.Config()).MlV1alpha1().Profiles()
	t.Cleanup(func() {
		for _, name := range names {
			if err := admin.Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
				t.Errorf("delete profile %s: %v", name, err)
			}
		}
	})
}

func profileNames(list *mlv1alpha1.ProfileList) []string {
	var names []string
	for _, p := range list.Items {
		names = append(names, p.Name)
	}
	return names
}

// waitProfileMember waits until the member ClusterRole is in effect.
func waitProfileMember(ctx context.Context, t *testing.T, user string) {
	k := cluster.Kubectl(t)
	err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
		return canI(t, k, user, "create", "profilerequests", "", "default") && canI(t, k, user, "update", "profiles", "members", "default"), nil
	})
	if err != nil {
		t.Fatalf("the ml-profile-member ClusterRole is not in effect: %v", err)
	}
}

// nextEvent returns the next ADDED, DELETED or ERROR event of w.
func nextEvent(t *testing.T, w watch.Interface, what string) watch.Event {
	t.Helper()
	timeout := time.After(longTimeout)
	for {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatalf("%s: the watch ended", what)
			}
			// Bookmarks, and changes of a profile the user already sees
			// (the profile controller writes its status), are not what
			// the tests wait for: membership shows as ADDED or DELETED.
			if ev.Type != watch.Bookmark && ev.Type != watch.Modified {
				return ev
			}
		case <-timeout:
			t.Fatalf("%s: no event in %s", what, longTimeout)
		}
	}
}

// TestProfileMembership is the story of docs/profiles.md: Alice requests a
// profile, Bob sees nothing, Alice adds Bob and his list and watch show
// it, Bob may not change members, Alice may not change the quota through
// the members subresource, Alice removes Bob and he sees nothing again.
func TestProfileMembership(t *testing.T) {
	ctx := testContext(t, 3*longTimeout)
	u := newProfileUsers(t)
	waitProfileMember(ctx, t, u.alice)
	name := "vision-" + framework.NamespaceName(t)
	deleteProfiles(t, name)

	alice, bob := profilesAs(t, u.alice), profilesAs(t, u.bob)
	// A namespace that exists is never taken over by a request.
	taken := cluster.Namespace(t)
	if _, err := alice.ProfileRequests().Create(ctx, &mlv1alpha1.ProfileRequest{ObjectMeta: metav1.ObjectMeta{Name: taken}}, metav1.CreateOptions{}); !apierrors.IsConflict(err) {
		t.Errorf("a ProfileRequest for the existing namespace %s: %v, want a conflict", taken, err)
	}
	p, err := alice.ProfileRequests().Create(ctx, &mlv1alpha1.ProfileRequest{
		ObjectMeta: metav1.ObjectMeta{Name: name}, Description: "e2e",
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("alice's ProfileRequest: %v", err)
	}
	if p.Spec.Owner.Kind != rbacv1.UserKind || p.Spec.Owner.Name != u.alice {
		t.Fatalf("the requested profile is owned by %+v, want alice", p.Spec.Owner)
	}
	if list, err := alice.Profiles().List(ctx, metav1.ListOptions{}); err != nil || !slices.Equal(profileNames(list), []string{name}) {
		t.Fatalf("alice lists %v (%v), want [%s]", profileNames(list), err, name)
	}

	list, err := bob.Profiles().List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 0 {
		t.Fatalf("bob lists %v (%v), want nothing", profileNames(list), err)
	}
	if _, err := bob.Profiles().Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("bob gets alice's profile: %v, want not found", err)
	}
	w, err := bob.Profiles().Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	// Alice adds Bob as edit through profiles/members.
	bobEdits := []mlv1alpha1.Contributor{{Subject: rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: u.bob}, Role: mlv1alpha1.ContributorRoleEdit}}
	if err := updateMembers(ctx, alice, name, func(p *mlv1alpha1.Profile) { p.Spec.Contributors = bobEdits }); err != nil {
		t.Fatalf("alice adds bob: %v", err)
	}
	if ev := nextEvent(t, w, "bob added"); ev.Type != watch.Added || ev.Object.(*mlv1alpha1.Profile).Name != name {
		t.Fatalf("bob's watch: got %s, want ADDED %s", ev.Type, name)
	}
	if list, err := bob.Profiles().List(ctx, metav1.ListOptions{}); err != nil || !slices.Equal(profileNames(list), []string{name}) {
		t.Fatalf("bob lists %v (%v), want [%s]", profileNames(list), err, name)
	}
	out := cluster.Kubectl(t).MustRun(t, "get", "profiles", "--as", u.bob)
	if !strings.Contains(out, name) || !strings.Contains(out, "GPU USED/HARD") || !strings.Contains(out, "User/"+u.alice) {
		t.Errorf("kubectl get profiles --as bob:\n%s", out)
	}

	// Bob may not change members, nor the profile.
	err = updateMembers(ctx, bob, name, func(p *mlv1alpha1.Profile) { p.Spec.Contributors[0].Role = mlv1alpha1.ContributorRoleAdmin })
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "only the owner") {
		t.Errorf("bob changes members: %v, want forbidden: only the owner", err)
	}
	gpus := &corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"requests.nvidia.com/gpu": apiresource.MustParse("64")}}
	bobsCopy, err := bob.Profiles().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bobsCopy.Spec.ResourceQuota = gpus
	if _, err := bob.Profiles().Update(ctx, bobsCopy, metav1.UpdateOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("bob changes the quota: %v, want forbidden", err)
	}
	// Nor may Alice change the quota through members.
	err = updateMembers(ctx, alice, name, func(p *mlv1alpha1.Profile) { p.Spec.ResourceQuota = gpus })
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "spec.resourceQuota need update on profiles") {
		t.Errorf("alice changes the quota through members: %v, want forbidden naming spec.resourceQuota", err)
	}

	// Alice removes Bob.
	if err := updateMembers(ctx, alice, name, func(p *mlv1alpha1.Profile) { p.Spec.Contributors = nil }); err != nil {
		t.Fatalf("alice removes bob: %v", err)
	}
	if ev := nextEvent(t, w, "bob removed"); ev.Type != watch.Deleted || ev.Object.(*mlv1alpha1.Profile).Name != name {
		t.Fatalf("bob's watch: got %s, want DELETED %s", ev.Type, name)
	}
	if list, err := bob.Profiles().List(ctx, metav1.ListOptions{}); err != nil || len(list.Items) != 0 {
		t.Fatalf("bob lists %v (%v), want nothing", profileNames(list), err)
	}
}

// TestProfileGroupOwner: a profile owned by a group is listed by, and its
// members changed by, any user in the group (kubectl --as-group).
func TestProfileGroupOwner(t *testing.T) {
	ctx := testContext(t, longTimeout)
	u := newProfileUsers(t)
	waitProfileMember(ctx, t, u.carol)
	name := "team-" + framework.NamespaceName(t)
	deleteProfiles(t, name)
	admin := framework.ML(t, cluster.Config()).MlV1alpha1()
	p := &mlv1alpha1.Profile{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       mlv1alpha1.ProfileSpec{Owner: rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: u.team}},
	}
	if _, err := admin.Profiles().Create(ctx, p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	out := cluster.Kubectl(t).MustRun(t, "get", "profiles", "--as", u.carol, "--as-group", u.team, "-o", "name")
	if strings.TrimSpace(out) != "profile.ml.example.io/"+name {
		t.Errorf("kubectl get profiles --as carol --as-group team: %q", out)
	}
	if out := cluster.Kubectl(t).MustRun(t, "get", "profiles", "--as", u.carol, "-o", "name"); strings.TrimSpace(out) != "" {
		t.Errorf("carol outside the group lists %q", out)
	}
	carol := profilesAs(t, u.carol, u.team)
	daveViews := []mlv1alpha1.Contributor{{Subject: rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: u.dave}, Role: mlv1alpha1.ContributorRoleView}}
	if err := updateMembers(ctx, carol, name, func(p *mlv1alpha1.Profile) { p.Spec.Contributors = daveViews }); err != nil {
		t.Errorf("a member of the owner group changes members: %v", err)
	}

	// What docs/profiles.md shows: kubectl get --raw, then replace --raw.
	k := cluster.Kubectl(t)
	members := "/apis/ml.example.io/v1alpha1/profiles/" + name + "/members"
	file := filepath.Join(t.TempDir(), "members.json")
	// The profile controller writes the profile too (finalizer, status): on
	// a conflict, read it again and replace again, as a user would.
	err := retry.OnError(retry.DefaultRetry, func(err error) bool { return strings.Contains(err.Error(), "the object has been modified") }, func() error {
		raw := k.MustRun(t, "get", "--raw", members, "--as", u.carol, "--as-group", u.team)
		var doc map[string]any
		if err := json.Unmarshal([]byte(raw), &doc); err != nil {
			t.Fatalf("decode %s: %v", members, err)
		}
		doc["spec"].(map[string]any)["contributors"] = []any{}
		data, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		r := k.Run(t, "replace", "--raw", members, "-f", file, "--as", u.carol, "--as-group", u.team)
		if r.Err != nil {
			return fmt.Errorf("%w: %s", r.Err, r.Stderr)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("kubectl replace --raw %s: %v", members, err)
	}
	if p, err := carol.Profiles().Get(ctx, name, metav1.GetOptions{}); err != nil || len(p.Spec.Contributors) != 0 {
		t.Errorf("after kubectl replace --raw: contributors %+v (%v), want none", p.Spec.Contributors, err)
	}
}

// TestProfileRequestLimit: ten concurrent requests of one user create
// exactly --max-profiles-per-user (5, local-up's default) profiles; the
// others are refused naming the limit.
func TestProfileRequestLimit(t *testing.T) {
	ctx := testContext(t, longTimeout)
	u := newProfileUsers(t)
	waitProfileMember(ctx, t, u.dave)
	const requests, limit = 10, 5
	var names []string
	for i := range requests {
		names = append(names, fmt.Sprintf("r%d-%s", i, framework.NamespaceName(t)))
	}
	deleteProfiles(t, names...)
	dave := profilesAs(t, u.dave)
	errs := make([]error, requests)
	var wg sync.WaitGroup
	for i := range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = dave.ProfileRequests().Create(ctx, &mlv1alpha1.ProfileRequest{ObjectMeta: metav1.ObjectMeta{Name: names[i]}}, metav1.CreateOptions{})
		}()
	}
	wg.Wait()
	created := 0
	for i, err := range errs {
		switch {
		case err == nil:
			created++
		case apierrors.IsForbidden(err) && strings.Contains(err.Error(), "--max-profiles-per-user"):
		default:
			t.Errorf("request %d: %v", i, err)
		}
	}
	if created != limit {
		t.Errorf("%d of %d concurrent requests created a profile, want %d", created, requests, limit)
	}
	list, err := dave.Profiles().List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != limit {
		t.Errorf("dave owns %v (%v), want %d profiles", profileNames(list), err, limit)
	}
}
