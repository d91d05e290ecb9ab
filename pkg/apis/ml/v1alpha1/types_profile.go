package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +genclient:nonNamespaced
// +genclient:method=UpdateMembers,verb=update,subresource=members
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Profile is a team: a namespace of the profile's name with an owner,
// contributors, a quota and policy. It is cluster-scoped; list and watch
// show each user the profiles they belong to.
type Profile struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec is the desired team namespace.
	Spec ProfileSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status is the observed state of the team namespace.
	// +optional
	Status ProfileStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ProfileList is a list of Profiles.
type ProfileList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Items are the Profiles.
	Items []Profile `json:"items" protobuf:"bytes,2,rep,name=items"`
}

// ContributorRole is the access a contributor gets in the profile's namespace:
// a RoleBinding to the aggregated ClusterRole of that name.
type ContributorRole string

// The roles of a contributor.
const (
	ContributorRoleAdmin ContributorRole = "admin"
	ContributorRoleEdit  ContributorRole = "edit"
	ContributorRoleView  ContributorRole = "view"
)

// Contributor is a member of a profile other than its owner.
type Contributor struct {
	// Subject is the User, Group or ServiceAccount.
	Subject rbacv1.Subject `json:"subject" protobuf:"bytes,1,opt,name=subject"`
	// Role is admin, edit or view.
	Role ContributorRole `json:"role" protobuf:"bytes,2,opt,name=role,casttype=ContributorRole"`
}

// PodSecurityLevel is the Pod Security Standard enforced in the namespace.
type PodSecurityLevel string

// The Pod Security levels a profile may ask for.
const (
	PodSecurityBaseline   PodSecurityLevel = "baseline"
	PodSecurityRestricted PodSecurityLevel = "restricted"
)

// ProfileDeletionPolicy says what deleting a profile does to its namespace.
type ProfileDeletionPolicy string

// The deletion policies of a profile.
const (
	// ProfileDeletionRetain keeps the namespace and its objects (default).
	ProfileDeletionRetain ProfileDeletionPolicy = "Retain"
	// ProfileDeletionDelete deletes the namespace with the profile.
	ProfileDeletionDelete ProfileDeletionPolicy = "Delete"
)

// ProfileSpec is the desired state of a Profile.
type ProfileSpec struct {
	// Owner of the profile (User, Group or ServiceAccount): admin in the
	// namespace, and the one who may change spec.contributors.
	Owner rbacv1.Subject `json:"owner" protobuf:"bytes,1,opt,name=owner"`
	// Contributors are the other members, each with a role.
	// +optional
	// +listType=atomic
	Contributors []Contributor `json:"contributors,omitempty" protobuf:"bytes,2,rep,name=contributors"`
	// ResourceQuota of the namespace (GPUs included, e.g. requests.nvidia.com/gpu).
	// +optional
	ResourceQuota *corev1.ResourceQuotaSpec `json:"resourceQuota,omitempty" protobuf:"bytes,3,opt,name=resourceQuota"`
	// LimitRange of the namespace: default requests and limits of containers.
	// +optional
	LimitRange *corev1.LimitRangeSpec `json:"limitRange,omitempty" protobuf:"bytes,4,opt,name=limitRange"`
	// PodSecurity is the Pod Security Standard level enforced in the
	// namespace: baseline (default) or restricted.
	// +optional
	PodSecurity PodSecurityLevel `json:"podSecurity,omitempty" protobuf:"bytes,5,opt,name=podSecurity,casttype=PodSecurityLevel"`
	// NetworkIsolation admits traffic only from the same namespace and the
	// system namespaces (default true).
	// +optional
	NetworkIsolation *bool `json:"networkIsolation,omitempty" protobuf:"varint,6,opt,name=networkIsolation"`
	// NamespaceLabels are added to the namespace's labels.
	// +optional
	NamespaceLabels map[string]string `json:"namespaceLabels,omitempty" protobuf:"bytes,7,rep,name=namespaceLabels"`
	// NamespaceAnnotations are added to the namespace's annotations.
	// +optional
	NamespaceAnnotations map[string]string `json:"namespaceAnnotations,omitempty" protobuf:"bytes,8,rep,name=namespaceAnnotations"`
	// DeletionPolicy is Retain (default: deleting the profile keeps the
	// namespace) or Delete (the namespace goes with the profile).
	// +optional
	DeletionPolicy ProfileDeletionPolicy `json:"deletionPolicy,omitempty" protobuf:"bytes,9,opt,name=deletionPolicy,casttype=ProfileDeletionPolicy"`
}

// ProfilePhase is a one-word summary of a Profile.
type ProfilePhase string

// The phases of a Profile.
const (
	ProfilePending     ProfilePhase = "Pending"
	ProfileReady       ProfilePhase = "Ready"
	ProfileFailed      ProfilePhase = "Failed"
	ProfileTerminating ProfilePhase = "Terminating"
)

// The condition types of a Profile.
const (
	ProfileNamespaceReady = "NamespaceReady"
	ProfileRBACReady      = "RBACReady"
	ProfileQuotaReady     = "QuotaReady"
)

// ProfileStatus is the observed state of a Profile.
type ProfileStatus struct {
	// Phase is Pending, Ready, Failed or Terminating.
	// +optional
	Phase ProfilePhase `json:"phase,omitempty" protobuf:"bytes,1,opt,name=phase,casttype=ProfilePhase"`
	// ObservedGeneration is the generation the status was computed for.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty" protobuf:"varint,2,opt,name=observedGeneration"`
	// Conditions of the profile (NamespaceReady, RBACReady, QuotaReady).
	// +optional
	// +listType=map
	// +listMapKey=type
	// +patchMergeKey=type
	// +patchStrategy=merge
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type" protobuf:"bytes,3,rep,name=conditions"`
	// Namespace is the namespace the profile owns.
	// +optional
	Namespace string `json:"namespace,omitempty" protobuf:"bytes,4,opt,name=namespace"`
	// Quota is the hard limits and current usage, copied from the
	// namespace's ResourceQuota.
	// +optional
	Quota *corev1.ResourceQuotaStatus `json:"quota,omitempty" protobuf:"bytes,5,opt,name=quota"`
}

// +genclient
// +genclient:nonNamespaced
// +genclient:skipVerbs=get,list,create,update,patch,delete,deleteCollection,watch,apply
// +genclient:method=Create,verb=create,result=ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1.Profile
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ProfileRequest asks for a Profile of the request's name, owned by the
// requester and made from the administrators' template. It is create-only:
// creating one returns the Profile; nothing is stored under this kind.
type ProfileRequest struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Description of the team, kept as the profile's
	// ml.example.io/description annotation.
	// +optional
	Description string `json:"description,omitempty" protobuf:"bytes,2,opt,name=description"`
}
