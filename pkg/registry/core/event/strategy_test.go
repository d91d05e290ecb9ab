package event

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apiserver/pkg/registry/rest"

	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
)

// The cases of these tests follow kube-apiserver's
// (k8s.io/kubernetes v1.37 pkg/registry/core/event/strategy_test.go).

func TestGetAttrs(t *testing.T) {
	tests := map[string]struct {
		event      *corev1.Event
		wantFields fields.Set
	}{
		"recorder event": {
			event: &corev1.Event{
				ObjectMeta: metav1.ObjectMeta{Name: "f0118", Namespace: "default", Labels: map[string]string{"a": "b"}},
				InvolvedObject: corev1.ObjectReference{
					Kind: "Pod", Name: "foo", Namespace: "baz", UID: "long uid string",
					APIVersion: "v1", ResourceVersion: "0", FieldPath: "",
				},
				Reason: "ForTesting",
				Source: corev1.EventSource{Component: "test"},
				Type:   corev1.EventTypeNormal,
			},
			wantFields: fields.Set{
				"metadata.name":                  "f0118",
				"metadata.namespace":             "default",
				"involvedObject.kind":            "Pod",
				"involvedObject.name":            "foo",
				"involvedObject.namespace":       "baz",
				"involvedObject.uid":             "long uid string",
				"involvedObject.apiVersion":      "v1",
				"involvedObject.resourceVersion": "0",
				"involvedObject.fieldPath":       "",
				"reason":                         "ForTesting",
				"reportingComponent":             "",
				"source":                         "test",
				"type":                           corev1.EventTypeNormal,
			},
		},
		"events.k8s.io event: source is the reporting controller": {
			event: &corev1.Event{
				ObjectMeta:          metav1.ObjectMeta{Name: "f0118", Namespace: "ns"},
				InvolvedObject:      corev1.ObjectReference{Kind: "TrainingJob", Name: "job", Namespace: "ns", UID: "uid", APIVersion: "ml.example.io/v1alpha1"},
				Reason:              "PodFailed",
				ReportingController: "ml.example.io/controller",
				Type:                corev1.EventTypeWarning,
			},
			wantFields: fields.Set{
				"metadata.name":                  "f0118",
				"metadata.namespace":             "ns",
				"involvedObject.kind":            "TrainingJob",
				"involvedObject.name":            "job",
				"involvedObject.namespace":       "ns",
				"involvedObject.uid":             "uid",
				"involvedObject.apiVersion":      "ml.example.io/v1alpha1",
				"involvedObject.resourceVersion": "",
				"involvedObject.fieldPath":       "",
				"reason":                         "PodFailed",
				"reportingComponent":             "ml.example.io/controller",
				"source":                         "ml.example.io/controller",
				"type":                           corev1.EventTypeWarning,
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			gotLabels, gotFields, err := GetAttrs(tc.event)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(labels.Set(tc.event.Labels), gotLabels); diff != "" {
				t.Errorf("labels (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantFields, gotFields); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
	if _, _, err := GetAttrs(&corev1.Pod{}); err == nil {
		t.Errorf("GetAttrs of a Pod: want an error")
	}
}

// TestSelectableFieldLabelConversions checks that the API accepts a field
// selector on every field the registry offers, and on no other.
func TestSelectableFieldLabelConversions(t *testing.T) {
	gvk := corev1.SchemeGroupVersion.WithKind("Event")
	var selectable []string
	for label := range SelectableFields(&corev1.Event{}) {
		selectable = append(selectable, label)
		gotLabel, gotValue, err := scheme.CoreScheme.ConvertFieldLabel(gvk, label, "value")
		if err != nil || gotLabel != label || gotValue != "value" {
			t.Errorf("ConvertFieldLabel(%s=value) = %s=%s, %v", label, gotLabel, gotValue, err)
		}
	}
	slices.Sort(selectable)
	want := slices.Sorted(slices.Values(scheme.EventFieldLabels))
	if diff := cmp.Diff(want, selectable); diff != "" {
		t.Errorf("selectable fields differ from the field labels the API converts (-want +got):\n%s", diff)
	}
	for _, label := range []string{"message", "count", "spec.nodeName"} {
		if _, _, err := scheme.CoreScheme.ConvertFieldLabel(gvk, label, "value"); err == nil {
			t.Errorf("ConvertFieldLabel(%s): want an error", label)
		}
	}
}

func TestStrategy(t *testing.T) {
	ctx := context.Background()
	s := NewStrategy(scheme.CoreScheme)
	if !s.NamespaceScoped() {
		t.Errorf("events must be namespaced")
	}
	if !s.AllowCreateOnUpdate(ctx) || !s.AllowUnconditionalUpdate(ctx) {
		t.Errorf("recorders create on update and update without a resource version")
	}
	if got := s.DefaultGarbageCollectionPolicy(ctx); got != rest.Unsupported {
		t.Errorf("garbage collection policy = %v, want Unsupported", got)
	}
	e := validEvent()
	// As the store sets it before an unconditional update is validated.
	e.ResourceVersion = "1"
	before := e.DeepCopy()
	s.PrepareForCreate(ctx, e)
	s.PrepareForUpdate(ctx, e, before)
	if diff := cmp.Diff(before, e); diff != "" {
		t.Errorf("prepare changed the event (-want +got):\n%s", diff)
	}
	if errs := s.Validate(ctx, e); len(errs) != 0 {
		t.Errorf("Validate: %v", errs)
	}
	changed := e.DeepCopy()
	changed.Count++
	if errs := s.ValidateUpdate(ctx, changed, e); len(errs) != 0 {
		t.Errorf("ValidateUpdate: %v", errs)
	}
	if kinds, _, err := s.ObjectKinds(e); err != nil || len(kinds) == 0 {
		t.Errorf("the strategy's typer does not know Events: %v %v", kinds, err)
	}
}
