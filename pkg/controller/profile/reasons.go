package profile

// Reasons of the conditions, and of the events of the same transitions.
const (
	// ReasonNamespaceActive: the profile's namespace exists and is the
	// profile's.
	ReasonNamespaceActive = "NamespaceActive"
	// ReasonNamespaceExists: a namespace of the profile's name exists and
	// is not the profile's; it is refused, not adopted.
	ReasonNamespaceExists = "NamespaceExists"
	// ReasonNamespaceTerminating: the profile's namespace is being
	// deleted; the profile waits for it to be gone to make it again.
	ReasonNamespaceTerminating = "NamespaceTerminating"
	// ReasonNamespaceFailed: making or updating the namespace failed.
	ReasonNamespaceFailed = "NamespaceFailed"
	// ReasonNamespaceNotReady: nothing in the namespace is made before the
	// namespace is the profile's.
	ReasonNamespaceNotReady = "NamespaceNotReady"
	// ReasonBindingsInSync: the members' RoleBindings are exactly those of
	// the spec.
	ReasonBindingsInSync = "BindingsInSync"
	// ReasonBindingsFailed: making, updating or deleting a RoleBinding or
	// the default-editor ServiceAccount failed.
	ReasonBindingsFailed = "BindingsFailed"
	// ReasonQuotaApplied: the ResourceQuota, LimitRange and NetworkPolicy
	// are those of the spec.
	ReasonQuotaApplied = "QuotaApplied"
	// ReasonQuotaFailed: making, updating or deleting the ResourceQuota,
	// LimitRange or NetworkPolicy failed.
	ReasonQuotaFailed = "QuotaFailed"
)

// Reasons of events only.
const (
	// EventCreated: the controller made an object for the profile.
	EventCreated = "Created"
	// EventUpdated: the controller brought an object back to the spec.
	EventUpdated = "Updated"
	// EventDeleted: the controller deleted an object the spec no longer
	// asks for (a removed contributor's RoleBinding, a quota turned off).
	EventDeleted = "Deleted"
	// EventRetained: the profile was deleted with deletionPolicy Retain:
	// its namespace is kept.
	EventRetained = "NamespaceRetained"
	// EventDeletingNamespace: the profile was deleted with deletionPolicy
	// Delete: its namespace is deleted.
	EventDeletingNamespace = "DeletingNamespace"
)
