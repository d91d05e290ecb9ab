package event

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The length limits of the fields of Events written with an eventTime (by
// the events.k8s.io style recorders), as in kube-apiserver.
const (
	// ReportingInstanceLengthLimit bounds reportingInstance.
	ReportingInstanceLengthLimit = 128
	// ActionLengthLimit bounds action.
	ActionLengthLimit = 128
	// ReasonLengthLimit bounds reason.
	ReasonLengthLimit = 128
	// NoteLengthLimit bounds message.
	NoteLengthLimit = 1024
)

// ValidateEvent validates a new Event with the rules kube-apiserver applies
// to core/v1 Events (k8s.io/kubernetes v1.37
// pkg/apis/core/validation/events.go, the legacy validation every request
// version passes), and the object metadata (which checks the namespace).
func ValidateEvent(e *corev1.Event) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMeta(&e.ObjectMeta, true, validateName, field.NewPath("metadata"))
	return append(allErrs, validateEventFields(e)...)
}

// ValidateEventUpdate validates an update of an Event: the new Event must
// be valid, and its metadata a valid update of the old one's.
func ValidateEventUpdate(e, old *corev1.Event) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaUpdate(&e.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, validateEventFields(e)...)
}

func validateEventFields(e *corev1.Event) field.ErrorList {
	var allErrs field.ErrorList
	involvedNamespace := field.NewPath("involvedObject", "namespace")
	if e.EventTime.IsZero() {
		// A record.EventRecorder event: it lives in its object's namespace,
		// or for a cluster-scoped object in "default".
		switch {
		case e.InvolvedObject.Namespace == "":
			if e.Namespace != metav1.NamespaceNone && e.Namespace != metav1.NamespaceDefault {
				allErrs = append(allErrs, field.Invalid(involvedNamespace, e.InvolvedObject.Namespace,
					"does not match event.namespace: an event about a cluster-scoped object lives in namespace \"default\""))
			}
		case e.Namespace != e.InvolvedObject.Namespace:
			allErrs = append(allErrs, field.Invalid(involvedNamespace, e.InvolvedObject.Namespace, "does not match event.namespace"))
		}
	} else {
		// An events.k8s.io style event: who reported it and what happened
		// are required.
		if e.InvolvedObject.Namespace == "" && e.Namespace != metav1.NamespaceDefault && e.Namespace != metav1.NamespaceSystem {
			allErrs = append(allErrs, field.Invalid(involvedNamespace, e.InvolvedObject.Namespace, "does not match event.namespace"))
		}
		reportingComponent := field.NewPath("reportingComponent")
		if e.ReportingController == "" {
			allErrs = append(allErrs, field.Required(reportingComponent, ""))
		} else {
			for _, msg := range validation.IsQualifiedName(e.ReportingController) {
				allErrs = append(allErrs, field.Invalid(reportingComponent, e.ReportingController, msg))
			}
		}
		allErrs = append(allErrs, requiredWithLimit(field.NewPath("reportingInstance"), e.ReportingInstance, ReportingInstanceLengthLimit)...)
		allErrs = append(allErrs, requiredWithLimit(field.NewPath("action"), e.Action, ActionLengthLimit)...)
		allErrs = append(allErrs, requiredWithLimit(field.NewPath("reason"), e.Reason, ReasonLengthLimit)...)
		if len(e.Message) > NoteLengthLimit {
			allErrs = append(allErrs, field.TooLong(field.NewPath("message"), "", NoteLengthLimit))
		}
	}
	return allErrs
}

// validateName accepts any name that can be a segment of the resource's
// path, as kube-apiserver does for core/v1 Events (their names are made by
// recorders from the object's name and a timestamp).
func validateName(name string, prefix bool) []string {
	if prefix {
		return content.IsPathSegmentPrefix(name)
	}
	return content.IsPathSegmentName(name)
}

// requiredWithLimit checks that value is set and at most limit bytes long.
func requiredWithLimit(p *field.Path, value string, limit int) field.ErrorList {
	if value == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	if len(value) > limit {
		return field.ErrorList{field.Invalid(p, "", fmt.Sprintf("can have at most %d characters", limit))}
	}
	return nil
}
