package scheme

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
)

var (
	// CoreScheme knows what standalone mode serves of the core group:
	// core/v1 Event and EventList, with their field labels. There is no
	// internal core type outside k8s.io/kubernetes, so the versioned types
	// are registered as the internal version too: conversion between the
	// two is the identity, as in servers built on versioned types only.
	// It is a scheme of its own so that this internal version stays out
	// of the OpenAPI names Scheme gives (Scheme knows core/v1 Events too,
	// for the group-version-kind of their OpenAPI definitions).
	CoreScheme = runtime.NewScheme()
	// CoreCodecs serializes the types of CoreScheme, protobuf included
	// (as kube-apiserver does for core/v1).
	CoreCodecs = serializer.NewCodecFactory(CoreScheme)
	// CoreParameterCodec decodes the query parameters of core requests.
	CoreParameterCodec = runtime.NewParameterCodec(CoreScheme)
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

// addCoreEvents registers core/v1 Events in CoreScheme, and in Scheme the
// versioned types only.
func addCoreEvents() error {
	Scheme.AddKnownTypes(corev1.SchemeGroupVersion, &corev1.Event{}, &corev1.EventList{})

	metav1.AddToGroupVersion(CoreScheme, corev1.SchemeGroupVersion)
	CoreScheme.AddKnownTypes(corev1.SchemeGroupVersion, &corev1.Event{}, &corev1.EventList{})
	CoreScheme.AddKnownTypes(schema.GroupVersion{Group: corev1.GroupName, Version: runtime.APIVersionInternal}, &corev1.Event{}, &corev1.EventList{})
	return CoreScheme.AddFieldLabelConversionFunc(corev1.SchemeGroupVersion.WithKind("Event"), convertEventFieldLabel)
}

func convertEventFieldLabel(label, value string) (string, string, error) {
	if slices.Contains(EventFieldLabels, label) {
		return label, value, nil
	}
	return "", "", fmt.Errorf("field label not supported: %s", label)
}
