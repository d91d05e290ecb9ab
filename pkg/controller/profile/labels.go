package profile

import (
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// Labels, names and the finalizer of what the controller makes.
const (
	// ProfileLabel is on the namespace and every child of a profile; its
	// value is the profile's name. A namespace whose ProfileLabel is not
	// the profile's name is not the profile's.
	ProfileLabel = "ml.example.io/profile"
	// PodSecurityEnforceLabel is the Pod Security admission label of the
	// namespace, set from spec.podSecurity.
	PodSecurityEnforceLabel = "pod-security.kubernetes.io/enforce"

	// AppliedLabelsAnnotation and AppliedAnnotationsAnnotation are on the
	// namespace: the keys of spec.namespaceLabels and
	// spec.namespaceAnnotations last applied, comma-separated, so that a
	// key removed from the spec is removed from the namespace while labels
	// and annotations set by others stay.
	AppliedLabelsAnnotation      = "ml.example.io/profile-labels"
	AppliedAnnotationsAnnotation = "ml.example.io/profile-annotations"

	// Finalizer is on every Profile the controller has seen, so that it
	// decides what happens to the namespace on deletion.
	Finalizer = "ml.example.io/profile"

	// QuotaName is the name of the profile's ResourceQuota and LimitRange.
	QuotaName = "ml-profile"
	// NetworkPolicyName is the name of the profile's NetworkPolicy.
	NetworkPolicyName = "ml-profile-isolation"
	// DefaultEditor is the name of the ServiceAccount the namespace's
	// pods run as by default, and of its RoleBinding to edit.
	DefaultEditor = "default-editor"
	// bindingPrefix starts the names of the members' RoleBindings.
	bindingPrefix = "ml-profile-"
)

// SystemNamespaces are the namespaces whose pods may reach a profile's
// pods under network isolation.
var SystemNamespaces = []string{"kube-system", "ml-system"}

// childLabels are the labels of every object the controller makes for the
// profile name: managed by the controller (its informers see only such
// objects) and naming the profile.
func childLabels(profile string) map[string]string {
	return map[string]string{
		mlv1alpha1.ManagedByLabel: mlv1alpha1.ControllerName,
		ProfileLabel:              profile,
	}
}
