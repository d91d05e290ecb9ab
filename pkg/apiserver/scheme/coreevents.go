package scheme

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// EventFieldLabels are the fields of core/v1 Events that field selectors
// may name: those of kube-apiserver (k8s.io/kubernetes v1.37
// pkg/apis/core/v1/conversion.go, the Event field label conversion), which
// `kubectl describe` and `kubectl get events --field-selector` use.
var EventFieldLabels = []string{
	"metadata.name",
	"metadata.namespace",
	"involvedObject.kind",
	"involvedObject.namespace",
	"involvedObject.name",
	"involvedObject.uid",
	"involvedObject.apiVersion",
	"involvedObject.resourceVersion",
	"involvedObject.fieldPath",
	"reason",
	"reportingComponent",
	"source",
	"type",
}

// addCoreEvents registers core/v1 Event and EventList, which standalone
// mode serves under /api/v1. There is no internal core type outside
// k8s.io/kubernetes, so the versioned types are registered as the internal
// version too: conversion between the two is then the identity, as in
// servers built on versioned types only.
func addCoreEvents(s *runtime.Scheme) error {
	for _, gv := range []schema.GroupVersion{corev1.SchemeGroupVersion, {Version: runtime.APIVersionInternal}} {
		s.AddKnownTypes(gv, &corev1.Event{}, &corev1.EventList{})
	}
	return s.AddFieldLabelConversionFunc(corev1.SchemeGroupVersion.WithKind("Event"), convertEventFieldLabel)
}

func convertEventFieldLabel(label, value string) (string, string, error) {
	for _, l := range EventFieldLabels {
		if l == label {
			return label, value, nil
		}
	}
	return "", "", fmt.Errorf("field label not supported: %s", label)
}
