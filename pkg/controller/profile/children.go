package profile

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The builders of what a profile's namespace holds. They are pure: the
// sync compares what they return with what exists.

// Roles a member may have: the built-in ClusterRoles of the same names,
// which ml.example.io's aggregate-to-admin/edit/view roles extend.
const (
	RoleAdmin = "admin"
	RoleEdit  = "edit"
	RoleView  = "view"
)

// member is one subject bound to one role in the namespace.
type member struct {
	subject rbacv1.Subject
	role    string
}

// namespace returns the profile's namespace: its labels are the profile's
// extra labels with the profile label and the Pod Security level over
// them, so that a spec cannot take the namespace from its profile.
func namespace(profile, podSecurity string, extraLabels, annotations map[string]string) *corev1.Namespace {
	labels := maps.Clone(extraLabels)
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, childLabels(profile))
	if podSecurity != "" {
		labels[PodSecurityEnforceLabel] = podSecurity
	}
	annots := maps.Clone(annotations)
	if annots == nil {
		annots = map[string]string{}
	}
	annots[AppliedLabelsAnnotation] = strings.Join(slices.Sorted(maps.Keys(extraLabels)), ",")
	annots[AppliedAnnotationsAnnotation] = strings.Join(slices.Sorted(maps.Keys(annotations)), ",")
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name:        profile,
		Labels:      labels,
		Annotations: annots,
	}}
}

// dropUnapplied removes from ns the labels and annotations an earlier
// spec applied (as its Applied*Annotation says) that desired no longer
// has; it reports whether ns changed.
func dropUnapplied(ns, desired *corev1.Namespace) bool {
	changed := false
	drop := func(m, want map[string]string, applied string) {
		for _, k := range strings.Split(applied, ",") {
			if _, keep := want[k]; k == "" || keep {
				continue
			}
			if _, ok := m[k]; ok {
				delete(m, k)
				changed = true
			}
		}
	}
	drop(ns.Labels, desired.Labels, ns.Annotations[AppliedLabelsAnnotation])
	drop(ns.Annotations, desired.Annotations, ns.Annotations[AppliedAnnotationsAnnotation])
	return changed
}

// normalSubject fills a subject's API group as RBAC expects it: the rbac
// group for users and groups, the core group for service accounts.
func normalSubject(s rbacv1.Subject) rbacv1.Subject {
	switch s.Kind {
	case rbacv1.UserKind, rbacv1.GroupKind:
		s.APIGroup = rbacv1.GroupName
	case rbacv1.ServiceAccountKind:
		s.APIGroup = ""
	}
	return s
}

// bindingName is the deterministic name of the RoleBinding of subject to
// role: the same member always has the same binding, and a name never
// changes its role (a RoleBinding's roleRef is immutable).
func bindingName(role string, s rbacv1.Subject) string {
	s = normalSubject(s)
	sum := sha256.Sum256([]byte(s.Kind + "\x00" + s.APIGroup + "\x00" + s.Namespace + "\x00" + s.Name))
	return bindingPrefix + role + "-" + hex.EncodeToString(sum[:])[:10]
}

// roleBindings returns the RoleBindings of the members in the profile's
// namespace and of the default-editor ServiceAccount, sorted by name;
// duplicate members get one binding.
func roleBindings(profile string, members []member, owner metav1.OwnerReference) []*rbacv1.RoleBinding {
	byName := map[string]*rbacv1.RoleBinding{}
	for _, m := range members {
		name := bindingName(m.role, m.subject)
		byName[name] = roleBinding(profile, name, m.role, normalSubject(m.subject), owner)
	}
	byName[DefaultEditor] = roleBinding(profile, DefaultEditor, RoleEdit, rbacv1.Subject{
		Kind: rbacv1.ServiceAccountKind, Name: DefaultEditor, Namespace: profile,
	}, owner)
	out := make([]*rbacv1.RoleBinding, 0, len(byName))
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		out = append(out, byName[name])
	}
	return out
}

func roleBinding(profile, name, role string, subject rbacv1.Subject, owner metav1.OwnerReference) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{
		ObjectMeta: childMeta(profile, name, owner),
		Subjects:   []rbacv1.Subject{subject},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
	}
}

// serviceAccount returns the default-editor ServiceAccount.
func serviceAccount(profile string, owner metav1.OwnerReference) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{ObjectMeta: childMeta(profile, DefaultEditor, owner)}
}

// resourceQuota returns the profile's ResourceQuota of spec.
func resourceQuota(profile string, spec corev1.ResourceQuotaSpec, owner metav1.OwnerReference) *corev1.ResourceQuota {
	return &corev1.ResourceQuota{ObjectMeta: childMeta(profile, QuotaName, owner), Spec: *spec.DeepCopy()}
}

// limitRange returns the profile's LimitRange of spec.
func limitRange(profile string, spec corev1.LimitRangeSpec, owner metav1.OwnerReference) *corev1.LimitRange {
	return &corev1.LimitRange{ObjectMeta: childMeta(profile, QuotaName, owner), Spec: *spec.DeepCopy()}
}

// networkPolicy returns the policy that admits ingress to every pod of the
// namespace only from pods of the namespace itself and of the system
// namespaces (selected by the kubernetes.io/metadata.name label the API
// server sets on every namespace). Egress is not restricted.
func networkPolicy(profile string, systemNamespaces []string, owner metav1.OwnerReference) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		ObjectMeta: childMeta(profile, NetworkPolicyName, owner),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From: []networkingv1.NetworkPolicyPeer{
					{PodSelector: &metav1.LabelSelector{}},
					{NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
						Key:      corev1.LabelMetadataName,
						Operator: metav1.LabelSelectorOpIn,
						Values:   slices.Clone(systemNamespaces),
					}}}},
				},
			}},
		},
	}
}

// childMeta is the metadata of a child in the profile's namespace: labelled
// with the profile and owned by it.
func childMeta(profile, name string, owner metav1.OwnerReference) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name:            name,
		Namespace:       profile,
		Labels:          childLabels(profile),
		OwnerReferences: []metav1.OwnerReference{owner},
	}
}
