// Package profile is the Profile controller: for every Profile (a team's
// tenancy, cluster-scoped) it keeps, in kube-apiserver, a namespace of the
// profile's name and what makes it the team's:
//
//   - the namespace, labelled ml.example.io/profile=<profile> and
//     pod-security.kubernetes.io/enforce=<spec.podSecurity>, plus
//     spec.namespaceLabels and spec.namespaceAnnotations;
//   - a RoleBinding per member to the built-in admin, edit or view
//     ClusterRole (which ml.example.io's aggregate-to-* roles extend, so a
//     member gets the core rights of the role and the ml ones): the owner
//     admin, each contributor their role. Bindings are named
//     ml-profile-<role>-<hash of the subject> and labelled with the
//     profile, so that a removed contributor's binding is found and
//     deleted: the bindings are kept exactly in sync with the spec;
//   - the default-editor ServiceAccount, bound to edit, which the
//     namespace's pipeline and training pods run as by default;
//   - a ResourceQuota and a LimitRange named ml-profile from the spec
//     (deleted when the spec has none);
//   - a NetworkPolicy ml-profile-isolation admitting ingress only from the
//     namespace itself and the system namespaces (kube-system, ml-system),
//     while spec.networkIsolation is on (the default); deleted when off.
//
// Every child in the namespace is owned by the Profile (a cluster-scoped
// owner may own namespaced objects) and labelled managed-by the controller,
// which watches only such objects. The namespace is not owned through an
// owner reference, so the garbage collector never deletes a team's data:
// the Profile carries the finalizer ml.example.io/profile and the
// controller decides on deletion. With spec.deletionPolicy Retain (the
// default) it removes the profile's label from the namespace and leaves it
// and its objects; with Delete it deletes the namespace. Then it removes
// the finalizer.
//
// A namespace of the profile's name that exists and is not the profile's
// (no ml.example.io/profile label naming it) is refused, never adopted:
// NamespaceReady is False with reason NamespaceExists and a Warning event
// says so.
//
// Status: phase (Pending, Ready, Failed, Terminating), the conditions
// NamespaceReady, RBACReady and QuotaReady, the namespace, and the quota
// usage copied from the ResourceQuota's status.
//
// The controller needs kube-apiserver: it runs only against a cluster.
package profile
