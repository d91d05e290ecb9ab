package validation

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

var (
	profilePhases      = phaseNames(ml.ProfilePending, ml.ProfileReady, ml.ProfileFailed, ml.ProfileTerminating)
	contributorRoles   = phaseNames(ml.ContributorRoleAdmin, ml.ContributorRoleEdit, ml.ContributorRoleView)
	podSecurityLevels  = phaseNames(ml.PodSecurityBaseline, ml.PodSecurityRestricted)
	deletionPolicies   = phaseNames(ml.ProfileDeletionRetain, ml.ProfileDeletionDelete)
	subjectKinds       = []string{rbacv1.UserKind, rbacv1.GroupKind, rbacv1.ServiceAccountKind}
	limitRangeTypes    = phaseNames(corev1.LimitTypeContainer, corev1.LimitTypePod, corev1.LimitTypePersistentVolumeClaim)
	reservedNamespaces = sets.New("default", "kube-system", "kube-public", "kube-node-lease")
)

// ReservedNamespaceLabelPrefixes are the label key prefixes the profile
// controller sets on a profile's namespace; spec.namespaceLabels may not
// use them, so a profile cannot loosen its own Pod Security level or claim
// another profile's namespace.
var ReservedNamespaceLabelPrefixes = []string{"ml.example.io/", "pod-security.kubernetes.io/", "kubernetes.io/"}

// MaxProfileDescriptionLength is the longest description a ProfileRequest
// may carry.
const MaxProfileDescriptionLength = 1024

// ValidateProfileName is the name rule of Profiles and ProfileRequests: the
// name becomes a namespace's, so it is a DNS-1123 label, and the system
// namespaces are refused.
func ValidateProfileName(name string, prefix bool) []string {
	msgs := apivalidation.ValidateNamespaceName(name, prefix)
	if reservedNamespaces.Has(name) || strings.HasPrefix(name, "kube-") {
		msgs = append(msgs, "is a system namespace's name")
	}
	return msgs
}

// ValidateProfile validates a Profile on create.
func ValidateProfile(obj *ml.Profile) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&obj.ObjectMeta, false, ValidateProfileName, metadataPath)
	return append(allErrs, validateProfileSpec(&obj.Spec, specPath)...)
}

// ValidateProfileUpdate validates an update of a Profile's main resource.
func ValidateProfileUpdate(obj, old *ml.Profile) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&obj.ObjectMeta, &old.ObjectMeta, metadataPath)
	return append(allErrs, validateProfileSpec(&obj.Spec, specPath)...)
}

// ValidateProfileStatusUpdate validates an update through the status subresource.
func ValidateProfileStatusUpdate(obj, old *ml.Profile) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&obj.ObjectMeta, &old.ObjectMeta, metadataPath)
	s := &obj.Status
	allErrs = append(allErrs, validateStatusCommon(s.ObservedGeneration, s.Conditions, string(s.Phase), profilePhases, statusPath)...)
	if s.Namespace != "" {
		for _, msg := range apivalidation.ValidateNamespaceName(s.Namespace, false) {
			allErrs = append(allErrs, field.Invalid(statusPath.Child("namespace"), s.Namespace, msg))
		}
	}
	return allErrs
}

// ValidateProfileRequest validates a ProfileRequest.
func ValidateProfileRequest(obj *ml.ProfileRequest) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&obj.ObjectMeta, false, ValidateProfileName, metadataPath)
	if len(obj.Description) > MaxProfileDescriptionLength {
		allErrs = append(allErrs, field.TooLong(field.NewPath("description"), "", MaxProfileDescriptionLength))
	}
	return allErrs
}

func validateProfileSpec(spec *ml.ProfileSpec, fldPath *field.Path) field.ErrorList {
	allErrs := ValidateSubject(&spec.Owner, fldPath.Child("owner"))
	allErrs = append(allErrs, ValidateContributors(spec.Contributors, &spec.Owner, fldPath.Child("contributors"))...)
	if q := spec.ResourceQuota; q != nil {
		allErrs = append(allErrs, validateResourceList(q.Hard, fldPath.Child("resourceQuota", "hard"))...)
	}
	if lr := spec.LimitRange; lr != nil {
		allErrs = append(allErrs, validateLimitRange(lr, fldPath.Child("limitRange"))...)
	}
	allErrs = append(allErrs, validatePhase(string(spec.PodSecurity), podSecurityLevels, fldPath.Child("podSecurity"))...)
	allErrs = append(allErrs, validatePhase(string(spec.DeletionPolicy), deletionPolicies, fldPath.Child("deletionPolicy"))...)
	labelsPath := fldPath.Child("namespaceLabels")
	allErrs = append(allErrs, metav1validation.ValidateLabels(spec.NamespaceLabels, labelsPath)...)
	for k := range spec.NamespaceLabels {
		for _, prefix := range ReservedNamespaceLabelPrefixes {
			if strings.HasPrefix(k, prefix) {
				allErrs = append(allErrs, field.Invalid(labelsPath.Key(k), k,
					fmt.Sprintf("label keys starting with %q are set by the profile controller", prefix)))
			}
		}
	}
	allErrs = append(allErrs, apivalidation.ValidateAnnotations(spec.NamespaceAnnotations, fldPath.Child("namespaceAnnotations"))...)
	return allErrs
}

// ValidateContributors validates the members of a profile other than its
// owner: valid subjects with a known role, each listed once, none the owner.
func ValidateContributors(contributors []ml.Contributor, owner *rbacv1.Subject, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	seen := map[rbacv1.Subject]int{}
	for i := range contributors {
		c := &contributors[i]
		idxPath := fldPath.Index(i)
		subjectPath := idxPath.Child("subject")
		allErrs = append(allErrs, ValidateSubject(&c.Subject, subjectPath)...)
		if c.Role == "" {
			allErrs = append(allErrs, field.Required(idxPath.Child("role"), "must be one of admin, edit or view"))
		} else {
			allErrs = append(allErrs, validatePhase(string(c.Role), contributorRoles, idxPath.Child("role"))...)
		}
		key := subjectKey(&c.Subject)
		if first, dup := seen[key]; dup {
			allErrs = append(allErrs, field.Duplicate(subjectPath, fmt.Sprintf("%s %q, already listed at %s", c.Subject.Kind, c.Subject.Name, fldPath.Index(first))))
			continue
		}
		seen[key] = i
		if owner != nil && key == subjectKey(owner) {
			allErrs = append(allErrs, field.Invalid(subjectPath, c.Subject.Name, "is the profile's owner, who is admin already"))
		}
	}
	return allErrs
}

// subjectKey is what makes two subjects the same member.
func subjectKey(s *rbacv1.Subject) rbacv1.Subject {
	return rbacv1.Subject{Kind: s.Kind, Name: s.Name, Namespace: s.Namespace}
}

// ValidateSubject validates a profile member: a User or Group (API group
// rbac.authorization.k8s.io or empty, no namespace) or a ServiceAccount
// (no API group, with a namespace).
func ValidateSubject(s *rbacv1.Subject, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if s.Name == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("name"), ""))
	}
	switch s.Kind {
	case rbacv1.UserKind, rbacv1.GroupKind:
		if s.APIGroup != "" && s.APIGroup != rbacv1.GroupName {
			allErrs = append(allErrs, field.NotSupported(fldPath.Child("apiGroup"), s.APIGroup, []string{rbacv1.GroupName}))
		}
		if s.Namespace != "" {
			allErrs = append(allErrs, field.Forbidden(fldPath.Child("namespace"), fmt.Sprintf("must be empty for a %s", s.Kind)))
		}
	case rbacv1.ServiceAccountKind:
		if s.APIGroup != "" {
			allErrs = append(allErrs, field.NotSupported(fldPath.Child("apiGroup"), s.APIGroup, []string{""}))
		}
		if s.Name != "" {
			for _, msg := range apivalidation.ValidateServiceAccountName(s.Name, false) {
				allErrs = append(allErrs, field.Invalid(fldPath.Child("name"), s.Name, msg))
			}
		}
		if s.Namespace == "" {
			allErrs = append(allErrs, field.Required(fldPath.Child("namespace"), "a ServiceAccount needs its namespace"))
		} else {
			for _, msg := range apivalidation.ValidateNamespaceName(s.Namespace, false) {
				allErrs = append(allErrs, field.Invalid(fldPath.Child("namespace"), s.Namespace, msg))
			}
		}
	case "":
		allErrs = append(allErrs, field.Required(fldPath.Child("kind"), "must be User, Group or ServiceAccount"))
	default:
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("kind"), s.Kind, subjectKinds))
	}
	return allErrs
}

// validateResourceList checks resource names and that no quantity is negative.
func validateResourceList(list corev1.ResourceList, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for name, q := range list {
		p := fldPath.Key(string(name))
		for _, msg := range utilvalidation.IsQualifiedName(string(name)) {
			allErrs = append(allErrs, field.Invalid(p, string(name), msg))
		}
		if q.Sign() < 0 {
			allErrs = append(allErrs, field.Invalid(p, q.String(), "must be greater than or equal to 0"))
		}
	}
	return allErrs
}

func validateLimitRange(lr *corev1.LimitRangeSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for i := range lr.Limits {
		item := &lr.Limits[i]
		p := fldPath.Child("limits").Index(i)
		if item.Type == "" {
			allErrs = append(allErrs, field.Required(p.Child("type"), "must be Container, Pod or PersistentVolumeClaim"))
		} else {
			allErrs = append(allErrs, validatePhase(string(item.Type), limitRangeTypes, p.Child("type"))...)
		}
		allErrs = append(allErrs, validateResourceList(item.Max, p.Child("max"))...)
		allErrs = append(allErrs, validateResourceList(item.Min, p.Child("min"))...)
		allErrs = append(allErrs, validateResourceList(item.Default, p.Child("default"))...)
		allErrs = append(allErrs, validateResourceList(item.DefaultRequest, p.Child("defaultRequest"))...)
	}
	return allErrs
}
