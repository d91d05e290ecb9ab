package profile

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/controllertest"
)

func TestSyncCreatesEverything(t *testing.T) {
	p := makeProfile("team-a").contributor(bob, mlv1alpha1.ContributorRoleEdit).gpus(4).defaultCPU("500m").obj()
	p.Spec.PodSecurity = mlv1alpha1.PodSecurityRestricted
	p.Spec.NamespaceLabels = map[string]string{"cost-center": "42"}
	f := newFixture(t, []*mlv1alpha1.Profile{p})
	f.mustSync("team-a")

	ns, err := f.Kube.CoreV1().Namespaces().Get(f.Ctx, "team-a", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("namespace: %v", err)
	}
	if ns.Labels[ProfileLabel] != "team-a" || ns.Labels[PodSecurityEnforceLabel] != "restricted" || ns.Labels["cost-center"] != "42" {
		t.Errorf("namespace labels %v", ns.Labels)
	}
	want := []string{
		"default-editor edit ServiceAccount/default-editor",
		bindingName(RoleAdmin, alice) + " admin User/alice",
		bindingName(RoleEdit, bob) + " edit User/bob",
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, f.bindings("team-a")); diff != "" {
		t.Errorf("bindings (-want +got):\n%s", diff)
	}
	if _, err := f.Kube.CoreV1().ServiceAccounts("team-a").Get(f.Ctx, DefaultEditor, metav1.GetOptions{}); err != nil {
		t.Errorf("service account: %v", err)
	}
	q, err := f.Kube.CoreV1().ResourceQuotas("team-a").Get(f.Ctx, QuotaName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("quota: %v", err)
	}
	if got := q.Spec.Hard["requests.nvidia.com/gpu"]; got.Value() != 4 {
		t.Errorf("quota hard %v", q.Spec.Hard)
	}
	if len(q.OwnerReferences) != 1 || q.OwnerReferences[0].UID != p.UID || !ptr.Deref(q.OwnerReferences[0].Controller, false) {
		t.Errorf("quota owners %v: want the profile", q.OwnerReferences)
	}
	if _, err := f.Kube.CoreV1().LimitRanges("team-a").Get(f.Ctx, QuotaName, metav1.GetOptions{}); err != nil {
		t.Errorf("limit range: %v", err)
	}
	if _, err := f.Kube.NetworkingV1().NetworkPolicies("team-a").Get(f.Ctx, NetworkPolicyName, metav1.GetOptions{}); err != nil {
		t.Errorf("network policy: %v", err)
	}

	got := f.profile("team-a")
	if !slices.Contains(got.Finalizers, Finalizer) {
		t.Errorf("finalizers %v: want %s", got.Finalizers, Finalizer)
	}
	if got.Status.Phase != mlv1alpha1.ProfileReady || got.Status.Namespace != "team-a" {
		t.Errorf("status phase %q namespace %q, want Ready team-a; conditions %+v", got.Status.Phase, got.Status.Namespace, got.Status.Conditions)
	}
	for _, c := range []string{mlv1alpha1.ProfileNamespaceReady, mlv1alpha1.ProfileRBACReady, mlv1alpha1.ProfileQuotaReady} {
		if cond := condition(got, c); cond.Status != metav1.ConditionTrue {
			t.Errorf("condition %s = %+v, want True", c, cond)
		}
	}

	// A second sync over the same state writes nothing.
	f.Kube.ClearActions()
	f.ML.ClearActions()
	f.mustSync("team-a")
	if w := controllertest.Writes(f.Kube.Actions(), f.ML.Actions()); len(w) != 0 {
		t.Errorf("a sync in the desired state wrote %v", w)
	}
}

func TestRemovedContributorLosesBinding(t *testing.T) {
	p := makeProfile("team-a").contributor(bob, mlv1alpha1.ContributorRoleEdit).obj()
	f := newFixture(t, []*mlv1alpha1.Profile{p})
	f.mustSync("team-a")
	if !slices.Contains(f.bindings("team-a"), bindingName(RoleEdit, bob)+" edit User/bob") {
		t.Fatalf("bob has no binding: %v", f.bindings("team-a"))
	}

	f.update("team-a", func(p *mlv1alpha1.Profile) { p.Spec.Contributors = nil })
	f.mustSync("team-a")
	for _, b := range f.bindings("team-a") {
		if strings.HasSuffix(b, "User/bob") {
			t.Errorf("bob's binding %q is left after his removal", b)
		}
	}
	if !slices.Contains(f.bindings("team-a"), bindingName(RoleAdmin, alice)+" admin User/alice") {
		t.Errorf("the owner lost the binding: %v", f.bindings("team-a"))
	}

	// A changed role is a new binding, and the old one goes.
	f.update("team-a", func(p *mlv1alpha1.Profile) {
		p.Spec.Contributors = []mlv1alpha1.Contributor{{Subject: bob, Role: mlv1alpha1.ContributorRoleView}}
	})
	f.mustSync("team-a")
	f.update("team-a", func(p *mlv1alpha1.Profile) {
		p.Spec.Contributors = []mlv1alpha1.Contributor{{Subject: bob, Role: mlv1alpha1.ContributorRoleAdmin}}
	})
	f.mustSync("team-a")
	var bobs []string
	for _, b := range f.bindings("team-a") {
		if strings.HasSuffix(b, "User/bob") {
			bobs = append(bobs, b)
		}
	}
	if diff := cmp.Diff([]string{bindingName(RoleAdmin, bob) + " admin User/bob"}, bobs); diff != "" {
		t.Errorf("bob's bindings (-want +got):\n%s", diff)
	}
}

func TestForeignNamespaceRefused(t *testing.T) {
	foreign := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a", Labels: map[string]string{"owner": "someone"}}}
	f := newFixture(t, []*mlv1alpha1.Profile{makeProfile("team-a").gpus(1).obj()}, foreign)
	f.mustSync("team-a")

	ns, err := f.Kube.CoreV1().Namespaces().Get(f.Ctx, "team-a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(foreign.Labels, ns.Labels); diff != "" {
		t.Errorf("the foreign namespace was changed (-want +got):\n%s", diff)
	}
	if b := f.bindings("team-a"); len(b) != 0 {
		t.Errorf("bindings made in a foreign namespace: %v", b)
	}
	if _, err := f.Kube.CoreV1().ResourceQuotas("team-a").Get(f.Ctx, QuotaName, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("quota in a foreign namespace: err=%v", err)
	}
	got := f.profile("team-a")
	cond := condition(got, mlv1alpha1.ProfileNamespaceReady)
	if got.Status.Phase != mlv1alpha1.ProfileFailed || cond.Status != metav1.ConditionFalse || cond.Reason != ReasonNamespaceExists || !strings.Contains(cond.Message, "not this profile's") {
		t.Errorf("phase %q, NamespaceReady %+v: want Failed, False NamespaceExists", got.Status.Phase, cond)
	}
	if got.Status.Namespace != "" {
		t.Errorf("status.namespace %q for a refused namespace", got.Status.Namespace)
	}
	events := controllertest.DrainEvents(f.Recorder)
	if !slices.ContainsFunc(events, func(e string) bool { return strings.HasPrefix(e, "Warning NamespaceExists") }) {
		t.Errorf("events %v: want a Warning NamespaceExists", events)
	}
	// Refused again without a new event.
	f.mustSync("team-a")
	if events := controllertest.DrainEvents(f.Recorder); len(events) != 0 {
		t.Errorf("repeated events %v", events)
	}
}

func TestQuotaUsageCopied(t *testing.T) {
	f := newFixture(t, []*mlv1alpha1.Profile{makeProfile("team-a").gpus(4).obj()})
	f.mustSync("team-a")
	// The quota controller computes the usage.
	q, err := f.Kube.CoreV1().ResourceQuotas("team-a").Get(f.Ctx, QuotaName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	q.Status = corev1.ResourceQuotaStatus{
		Hard: corev1.ResourceList{"requests.nvidia.com/gpu": resource.MustParse("4")},
		Used: corev1.ResourceList{"requests.nvidia.com/gpu": resource.MustParse("3")},
	}
	if _, err := f.Kube.CoreV1().ResourceQuotas("team-a").UpdateStatus(f.Ctx, q, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.mustSync("team-a")
	got := f.profile("team-a").Status.Quota
	if got == nil {
		t.Fatal("status.quota is empty")
	}
	if diff := cmp.Diff(q.Status, *got); diff != "" {
		t.Errorf("status.quota (-want +got):\n%s", diff)
	}
}

func TestNetworkIsolationAndQuotaTurnedOff(t *testing.T) {
	f := newFixture(t, []*mlv1alpha1.Profile{makeProfile("team-a").gpus(2).defaultCPU("1").obj()})
	f.mustSync("team-a")
	f.update("team-a", func(p *mlv1alpha1.Profile) {
		p.Spec.NetworkIsolation = ptr.To(false)
		p.Spec.ResourceQuota = nil
		p.Spec.LimitRange = nil
	})
	f.mustSync("team-a")
	if _, err := f.Kube.NetworkingV1().NetworkPolicies("team-a").Get(f.Ctx, NetworkPolicyName, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("network policy with isolation off: err=%v", err)
	}
	if _, err := f.Kube.CoreV1().ResourceQuotas("team-a").Get(f.Ctx, QuotaName, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("quota without spec.resourceQuota: err=%v", err)
	}
	if _, err := f.Kube.CoreV1().LimitRanges("team-a").Get(f.Ctx, QuotaName, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("limit range without spec.limitRange: err=%v", err)
	}
	if got := f.profile("team-a"); got.Status.Phase != mlv1alpha1.ProfileReady || got.Status.Quota != nil {
		t.Errorf("phase %q quota %v", got.Status.Phase, got.Status.Quota)
	}
}

func TestNamespaceLabelsFollowSpec(t *testing.T) {
	p := makeProfile("team-a").obj()
	p.Spec.NamespaceLabels = map[string]string{"a": "1", "b": "2"}
	p.Spec.NamespaceAnnotations = map[string]string{"x": "1"}
	f := newFixture(t, []*mlv1alpha1.Profile{p})
	f.mustSync("team-a")
	// Someone else labels the namespace too.
	ns, err := f.Kube.CoreV1().Namespaces().Get(f.Ctx, "team-a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ns.Labels["other"] = "keep"
	ns.Annotations["other"] = "keep"
	if _, err := f.Kube.CoreV1().Namespaces().Update(f.Ctx, ns, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	f.update("team-a", func(p *mlv1alpha1.Profile) {
		p.Spec.NamespaceLabels = map[string]string{"a": "3"}
		p.Spec.NamespaceAnnotations = nil
	})
	f.mustSync("team-a")
	ns, err = f.Kube.CoreV1().Namespaces().Get(f.Ctx, "team-a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ns.Labels["a"] != "3" || ns.Labels["other"] != "keep" || ns.Labels[ProfileLabel] != "team-a" {
		t.Errorf("labels %v: want a=3, other=keep and the profile's", ns.Labels)
	}
	if _, ok := ns.Labels["b"]; ok {
		t.Errorf("label b removed from the spec is left: %v", ns.Labels)
	}
	if _, ok := ns.Annotations["x"]; ok || ns.Annotations["other"] != "keep" {
		t.Errorf("annotations %v: want x removed, other kept", ns.Annotations)
	}
}
