package event

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validEvent is an event as client-go's record.EventRecorder writes it.
func validEvent() *corev1.Event {
	return &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: "job.17f2a", Namespace: "ns"},
		InvolvedObject: corev1.ObjectReference{
			APIVersion: "ml.example.io/v1alpha1", Kind: "TrainingJob", Namespace: "ns", Name: "job", UID: "uid",
		},
		Reason:  "PodFailed",
		Message: "Pod job-0 failed",
		Type:    corev1.EventTypeWarning,
		Source:  corev1.EventSource{Component: "ml-controller"},
		Count:   1,
	}
}

// newStyle is an event with an eventTime, as events.k8s.io recorders
// write it.
func newStyle(e *corev1.Event) {
	e.EventTime = metav1.NowMicro()
	e.ReportingController = "ml.example.io/controller"
	e.ReportingInstance = "ml-controller-1"
	e.Action = "Start"
}

// The cases follow kube-apiserver's
// (k8s.io/kubernetes v1.37 pkg/apis/core/validation/events_test.go).
func TestValidateEvent(t *testing.T) {
	tests := map[string]struct {
		change func(*corev1.Event)
		// want are the fields with errors, "type:field".
		want []string
	}{
		"valid":           {},
		"valid new style": {change: newStyle},
		"object in another namespace": {
			change: func(e *corev1.Event) { e.InvolvedObject.Namespace = "other" },
			want:   []string{"FieldValueInvalid:involvedObject.namespace"},
		},
		"cluster-scoped object, event in default": {
			change: func(e *corev1.Event) { e.Namespace, e.InvolvedObject.Namespace = "default", "" },
		},
		"cluster-scoped object, event in another namespace": {
			change: func(e *corev1.Event) { e.InvolvedObject.Namespace = "" },
			want:   []string{"FieldValueInvalid:involvedObject.namespace"},
		},
		"new style, cluster-scoped object in kube-system": {
			change: func(e *corev1.Event) {
				newStyle(e)
				e.Namespace, e.InvolvedObject.Namespace = "kube-system", ""
			},
		},
		"new style without reporter, instance, action and reason": {
			change: func(e *corev1.Event) {
				newStyle(e)
				e.ReportingController, e.ReportingInstance, e.Action, e.Reason = "", "", "", ""
			},
			want: []string{
				"FieldValueRequired:reportingComponent",
				"FieldValueRequired:reportingInstance", "FieldValueRequired:action", "FieldValueRequired:reason",
			},
		},
		"new style, too long": {
			change: func(e *corev1.Event) {
				newStyle(e)
				e.ReportingInstance = strings.Repeat("i", ReportingInstanceLengthLimit+1)
				e.Action = strings.Repeat("a", ActionLengthLimit+1)
				e.Reason = strings.Repeat("r", ReasonLengthLimit+1)
				e.Message = strings.Repeat("m", NoteLengthLimit+1)
			},
			want: []string{
				"FieldValueInvalid:reportingInstance", "FieldValueInvalid:action", "FieldValueInvalid:reason",
				"FieldValueTooLong:message",
			},
		},
		"legacy events may be long": {
			change: func(e *corev1.Event) { e.Message = strings.Repeat("m", NoteLengthLimit+1) },
		},
		"no name": {
			change: func(e *corev1.Event) { e.Name = "" },
			want:   []string{"FieldValueRequired:metadata.name"},
		},
		"new style, reporter not a qualified name": {
			change: func(e *corev1.Event) {
				newStyle(e)
				e.ReportingController = "ml controller"
			},
			want: []string{"FieldValueInvalid:reportingComponent"},
		},
		"name with a slash": {
			change: func(e *corev1.Event) { e.Name = "a/b" },
			want:   []string{"FieldValueInvalid:metadata.name"},
		},
		"bad label": {
			change: func(e *corev1.Event) { e.Labels = map[string]string{"a b": "c"} },
			want:   []string{"FieldValueInvalid:metadata.labels"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := validEvent()
			if tc.change != nil {
				tc.change(e)
			}
			if diff := cmp.Diff(tc.want, errorFields(ValidateEvent(e))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateEventUpdate(t *testing.T) {
	old := validEvent()
	old.ResourceVersion = "1"
	e := old.DeepCopy()
	e.Count = 2
	if errs := ValidateEventUpdate(e, old); len(errs) != 0 {
		t.Errorf("a count update: %v", errs)
	}
	e.InvolvedObject.Namespace = "other"
	want := []string{"FieldValueInvalid:involvedObject.namespace"}
	if diff := cmp.Diff(want, errorFields(ValidateEventUpdate(e, old))); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func errorFields(errs field.ErrorList) []string {
	var out []string
	for _, err := range errs {
		out = append(out, string(err.Type)+":"+err.Field)
	}
	return out
}
