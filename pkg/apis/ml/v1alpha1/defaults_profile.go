package v1alpha1

import "k8s.io/utils/ptr"

// SetDefaults_ProfileSpec defaults the Pod Security level to baseline,
// network isolation to on and the deletion policy to Retain, so a profile
// never loses data by accident.
func SetDefaults_ProfileSpec(obj *ProfileSpec) {
	if obj.PodSecurity == "" {
		obj.PodSecurity = PodSecurityBaseline
	}
	if obj.NetworkIsolation == nil {
		obj.NetworkIsolation = ptr.To(true)
	}
	if obj.DeletionPolicy == "" {
		obj.DeletionPolicy = ProfileDeletionRetain
	}
}
