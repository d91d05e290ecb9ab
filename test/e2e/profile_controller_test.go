package e2e

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apiresource "k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/profile"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/test/e2e/framework"
)

// TestProfileController creates Profiles as the cluster admin and checks
// what the controller makes on the real control plane: the namespace, the
// members' access (kubectl auth can-i --as), the quota and its usage, the
// NetworkPolicy; that a removed contributor loses access; and deletion with
// Retain (the namespace and its objects stay) and Delete (the namespace
// controller removes them).
func TestProfileController(t *testing.T) {
	ctx := testContext(t, 2*longTimeout)
	kube := framework.Kube(t, cluster.Config())
	ml := framework.ML(t, cluster.Config())
	k := cluster.Kubectl(t)

	name := framework.NamespaceName(t)
	owner, contributor := "carol-"+name, "dave-"+name
	p := &mlv1alpha1.Profile{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: mlv1alpha1.ProfileSpec{
			Owner: rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: owner},
			Contributors: []mlv1alpha1.Contributor{{
				Subject: rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: contributor},
				Role:    mlv1alpha1.ContributorRoleEdit,
			}},
			ResourceQuota: &corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{
				"requests.nvidia.com/gpu": apiresource.MustParse("2"),
				corev1.ResourcePods:       apiresource.MustParse("10"),
			}},
		},
	}
	createProfile(ctx, t, ml, kube, p)
	waitProfile(ctx, t, ml, name, "Ready", func(p *mlv1alpha1.Profile) bool { return p.Status.Phase == mlv1alpha1.ProfileReady })

	ns, err := kube.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the profile's namespace: %v", err)
	}
	if ns.Labels[profile.ProfileLabel] != name || ns.Labels[profile.PodSecurityEnforceLabel] != "baseline" {
		t.Errorf("namespace labels %v", ns.Labels)
	}

	// Members' access, as kube-apiserver's authorizer sees it.
	waitCanI(ctx, t, k, contributor, "create", "trainingjobs", name, true)
	for _, c := range []struct {
		user, verb, resource string
		want                 bool
	}{
		{owner, "create", "trainingjobs", true},
		{owner, "create", "rolebindings", true},
		{contributor, "create", "trainingjobs", true},
		{contributor, "create", "rolebindings", false},
		{"erin-" + name, "get", "trainingjobs", false},
	} {
		if got := canI(t, k, c.user, c.verb, c.resource, "", name); got != c.want {
			t.Errorf("%s can %s %s in %s: %v, want %v", c.user, c.verb, c.resource, name, got, c.want)
		}
	}
	if got := canI(t, k, owner, "create", "trainingjobs", "", "default"); got {
		t.Errorf("the owner may create trainingjobs outside the profile's namespace")
	}

	// The quota, with the usage kube-controller-manager counts, reaches
	// the profile's status.
	if _, err := kube.NetworkingV1().NetworkPolicies(name).Get(ctx, profile.NetworkPolicyName, metav1.GetOptions{}); err != nil {
		t.Errorf("network policy: %v", err)
	}
	waitProfile(ctx, t, ml, name, "status.quota with pods used", func(p *mlv1alpha1.Profile) bool {
		if p.Status.Quota == nil {
			return false
		}
		hard := p.Status.Quota.Hard["requests.nvidia.com/gpu"]
		_, counted := p.Status.Quota.Used[corev1.ResourcePods]
		return hard.Value() == 2 && counted
	})

	// Removing the contributor ends their access.
	stored, err := ml.MlV1alpha1().Profiles().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stored.Spec.Contributors = nil
	if _, err := ml.MlV1alpha1().Profiles().Update(ctx, stored, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("remove the contributor: %v", err)
	}
	waitCanI(ctx, t, k, contributor, "create", "trainingjobs", name, false)

	// Retain (the default): the namespace and what users made stay.
	if _, err := kube.CoreV1().ConfigMaps(name).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "data"}, Data: map[string]string{"k": "v"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	deleteProfile(ctx, t, ml, name)
	ns, err = kube.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if err != nil || ns.DeletionTimestamp != nil {
		t.Fatalf("the namespace of a profile deleted with Retain: err=%v deleting=%v", err, ns != nil && ns.DeletionTimestamp != nil)
	}
	if _, ok := ns.Labels[profile.ProfileLabel]; ok {
		t.Errorf("the retained namespace still names the profile: %v", ns.Labels)
	}
	// Released before the finalizer went: nothing the garbage collector
	// would delete with the profile.
	q, err := kube.CoreV1().ResourceQuotas(name).Get(ctx, profile.QuotaName, metav1.GetOptions{})
	if err != nil {
		t.Errorf("the retained namespace's quota: %v", err)
	} else if len(q.OwnerReferences) != 0 {
		t.Errorf("the retained quota is still owned by %v", q.OwnerReferences)
	}
	if _, err := kube.CoreV1().ConfigMaps(name).Get(ctx, "data", metav1.GetOptions{}); err != nil {
		t.Errorf("a user's object in the retained namespace: %v", err)
	}
	if !canI(t, k, owner, "create", "trainingjobs", "", name) {
		t.Errorf("the retained namespace's bindings were removed")
	}

	// Delete: the namespace goes with the profile.
	gone := name + "-del"
	createProfile(ctx, t, ml, kube, &mlv1alpha1.Profile{
		ObjectMeta: metav1.ObjectMeta{Name: gone},
		Spec: mlv1alpha1.ProfileSpec{
			Owner:          rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: owner},
			DeletionPolicy: mlv1alpha1.ProfileDeletionDelete,
		},
	})
	waitProfile(ctx, t, ml, gone, "Ready", func(p *mlv1alpha1.Profile) bool { return p.Status.Phase == mlv1alpha1.ProfileReady })
	deleteProfile(ctx, t, ml, gone)
	if err := wait.PollUntilContextTimeout(ctx, pollInterval, longTimeout, true, func(ctx context.Context) (bool, error) {
		_, err := kube.CoreV1().Namespaces().Get(ctx, gone, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	}); err != nil {
		t.Errorf("namespace %s of a profile deleted with Delete is still there: %v", gone, err)
	}

	// A namespace that exists and is not the profile's is refused.
	foreign := cluster.Namespace(t)
	createProfile(ctx, t, ml, kube, &mlv1alpha1.Profile{
		ObjectMeta: metav1.ObjectMeta{Name: foreign},
		Spec: mlv1alpha1.ProfileSpec{
			Owner:          rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: owner},
			DeletionPolicy: mlv1alpha1.ProfileDeletionDelete,
		},
	})
	waitProfile(ctx, t, ml, foreign, "Failed with NamespaceExists", func(p *mlv1alpha1.Profile) bool {
		for _, c := range p.Status.Conditions {
			if c.Type == mlv1alpha1.ProfileNamespaceReady && c.Reason == profile.ReasonNamespaceExists {
				return p.Status.Phase == mlv1alpha1.ProfileFailed
			}
		}
		return false
	})
	if canI(t, k, owner, "get", "trainingjobs", "", foreign) {
		t.Errorf("the owner of a refused profile got access to the foreign namespace")
	}
	deleteProfile(ctx, t, ml, foreign)
	if ns, err := kube.CoreV1().Namespaces().Get(ctx, foreign, metav1.GetOptions{}); err != nil || ns.DeletionTimestamp != nil {
		t.Errorf("deleting a refused profile with Delete deleted the foreign namespace: err=%v", err)
	}
}

// createProfile creates p and, at the end of the test, deletes it and its
// namespace, without waiting.
func createProfile(ctx context.Context, t *testing.T, ml mlclientset.Interface, kube kubernetes.Interface, p *mlv1alpha1.Profile) {
	t.Helper()
	if _, err := ml.MlV1alpha1().Profiles().Create(ctx, p, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create profile %s: %v", p.Name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), shortTimeout)
		defer cancel()
		if err := ml.MlV1alpha1().Profiles().Delete(ctx, p.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete profile %s: %v", p.Name, err)
		}
		if err := kube.CoreV1().Namespaces().Delete(ctx, p.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete namespace %s: %v", p.Name, err)
		}
	})
}

// deleteProfile deletes the profile and waits until it is gone: the
// controller acted on its deletion policy and removed the finalizer.
func deleteProfile(ctx context.Context, t *testing.T, ml mlclientset.Interface, name string) {
	t.Helper()
	if err := ml.MlV1alpha1().Profiles().Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete profile %s: %v", name, err)
	}
	if err := wait.PollUntilContextTimeout(ctx, pollInterval, longTimeout, true, func(ctx context.Context) (bool, error) {
		_, err := ml.MlV1alpha1().Profiles().Get(ctx, name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	}); err != nil {
		t.Fatalf("profile %s is not gone after its deletion: %v", name, err)
	}
}

// waitProfile polls the profile until done says so.
func waitProfile(ctx context.Context, t *testing.T, ml mlclientset.Interface, name, what string, done func(*mlv1alpha1.Profile) bool) {
	t.Helper()
	var last *mlv1alpha1.Profile
	err := wait.PollUntilContextTimeout(ctx, pollInterval, longTimeout, true, func(ctx context.Context) (bool, error) {
		p, err := ml.MlV1alpha1().Profiles().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		last = p
		return done(p), nil
	})
	if err != nil {
		status := "none"
		if last != nil {
			status = fmt.Sprintf("%+v", last.Status)
		}
		t.Fatalf("profile %s: waiting for %s: %v; last status %s", name, what, err, status)
	}
}

// waitCanI waits until kubectl auth can-i --as user answers want: RBAC
// takes effect through kube-apiserver's informers.
func waitCanI(ctx context.Context, t *testing.T, k framework.Kubectl, user, verb, resource, ns string, want bool) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(ctx, pollInterval, longTimeout, true, func(ctx context.Context) (bool, error) {
		return canI(t, k, user, verb, resource, "", ns) == want, nil
	}); err != nil {
		t.Fatalf("%s can %s %s in %s did not become %v: %v", user, verb, resource, ns, want, err)
	}
}
