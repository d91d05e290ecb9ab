package profile

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"
)

var testOwner = metav1.OwnerReference{
	APIVersion: "ml.example.io/v1alpha1", Kind: "Profile", Name: "team-a", UID: "uid-team-a",
	Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
}

func TestNamespaceLabels(t *testing.T) {
	ns := namespace("team-a", "restricted",
		map[string]string{"team": "a", ProfileLabel: "other", PodSecurityEnforceLabel: "privileged"},
		map[string]string{"owner": "alice"})
	want := map[string]string{
		"team":                         "a",
		ProfileLabel:                   "team-a",
		PodSecurityEnforceLabel:        "restricted",
		"app.kubernetes.io/managed-by": "ml-controller",
	}
	if diff := cmp.Diff(want, ns.Labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	if ns.Name != "team-a" || ns.Annotations["owner"] != "alice" {
		t.Errorf("namespace = %s, annotations %v", ns.Name, ns.Annotations)
	}
	if len(ns.OwnerReferences) != 0 {
		t.Errorf("the namespace has owner references %v: the garbage collector would delete retained data", ns.OwnerReferences)
	}
}

func TestBindingName(t *testing.T) {
	alice := rbacv1.Subject{Kind: rbacv1.UserKind, Name: "alice"}
	aliceGroup := rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "alice"}
	if bindingName(RoleEdit, alice) != bindingName(RoleEdit, aliceGroup) {
		t.Errorf("the API group defaulting changes the name")
	}
	names := map[string]bool{}
	for _, n := range []string{
		bindingName(RoleEdit, alice),
		bindingName(RoleView, alice),
		bindingName(RoleEdit, rbacv1.Subject{Kind: rbacv1.GroupKind, Name: "alice"}),
		bindingName(RoleEdit, rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: "x", Name: "alice"}),
		bindingName(RoleEdit, rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: "y", Name: "alice"}),
	} {
		if names[n] {
			t.Errorf("name %s given twice", n)
		}
		names[n] = true
		if !strings.HasPrefix(n, bindingPrefix) || len(n) > 63 {
			t.Errorf("name %q", n)
		}
	}
}

func TestRoleBindings(t *testing.T) {
	alice := rbacv1.Subject{Kind: rbacv1.UserKind, Name: "alice"}
	bob := rbacv1.Subject{Kind: rbacv1.GroupKind, Name: "bobs"}
	got := roleBindings("team-a", []member{
		{subject: alice, role: RoleAdmin},
		{subject: bob, role: RoleView},
		{subject: alice, role: RoleAdmin},
	}, testOwner)
	type row struct{ Name, Role, Kind, APIGroup, Subject, Namespace string }
	var rows []row
	for _, rb := range got {
		if rb.Namespace != "team-a" || rb.Labels[ProfileLabel] != "team-a" || len(rb.OwnerReferences) != 1 {
			t.Errorf("binding %s: namespace %q, labels %v, owners %v", rb.Name, rb.Namespace, rb.Labels, rb.OwnerReferences)
		}
		s := rb.Subjects[0]
		rows = append(rows, row{rb.Name, rb.RoleRef.Name, s.Kind, s.APIGroup, s.Name, s.Namespace})
	}
	want := []row{
		{DefaultEditor, RoleEdit, rbacv1.ServiceAccountKind, "", DefaultEditor, "team-a"},
		{bindingName(RoleAdmin, alice), RoleAdmin, rbacv1.UserKind, rbacv1.GroupName, "alice", ""},
		{bindingName(RoleView, bob), RoleView, rbacv1.GroupKind, rbacv1.GroupName, "bobs", ""},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("bindings (-want +got):\n%s", diff)
	}
}

func TestNetworkPolicy(t *testing.T) {
	np := networkPolicy("team-a", SystemNamespaces, testOwner)
	if len(np.Spec.Ingress) != 1 || len(np.Spec.Ingress[0].From) != 2 {
		t.Fatalf("ingress = %+v", np.Spec.Ingress)
	}
	if len(np.Spec.PolicyTypes) != 1 || np.Spec.PolicyTypes[0] != "Ingress" {
		t.Errorf("policy types %v: egress must stay open", np.Spec.PolicyTypes)
	}
	same, system := np.Spec.Ingress[0].From[0], np.Spec.Ingress[0].From[1]
	if same.PodSelector == nil || same.NamespaceSelector != nil || len(same.PodSelector.MatchLabels) != 0 {
		t.Errorf("first peer %+v: want every pod of the namespace", same)
	}
	sel, err := metav1.LabelSelectorAsSelector(system.NamespaceSelector)
	if err != nil {
		t.Fatal(err)
	}
	for ns, want := range map[string]bool{"kube-system": true, "ml-system": true, "team-b": false, "default": false} {
		if got := sel.Matches(labels.Set{corev1.LabelMetadataName: ns}); got != want {
			t.Errorf("namespace %s admitted = %v, want %v", ns, got, want)
		}
	}
}
