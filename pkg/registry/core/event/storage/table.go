package storage

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

var (
	eventDocs     = corev1.Event{}.SwaggerDoc()
	referenceDocs = corev1.ObjectReference{}.SwaggerDoc()
)

// newTableConvertor prints Events with the columns of kube-apiserver
// (k8s.io/kubernetes v1.37 pkg/printers/internalversion, printEvent), so
// `kubectl get events` reads as on a cluster.
func newTableConvertor() registryutil.TableConvertor[*corev1.Event] {
	return registryutil.TableConvertor[*corev1.Event]{
		Columns: []metav1.TableColumnDefinition{
			registryutil.Column("Last Seen", "string", eventDocs["lastTimestamp"]),
			registryutil.Column("Type", "string", eventDocs["type"]),
			registryutil.Column("Reason", "string", eventDocs["reason"]),
			registryutil.Column("Object", "string", eventDocs["involvedObject"]),
			registryutil.WideColumn("Subobject", "string", referenceDocs["fieldPath"]),
			registryutil.WideColumn("Source", "string", eventDocs["source"]),
			registryutil.Column("Message", "string", eventDocs["message"]),
			registryutil.WideColumn("First Seen", "string", eventDocs["firstTimestamp"]),
			registryutil.WideColumn("Count", "string", eventDocs["count"]),
			registryutil.WideColumn("Name", "string", metav1.ObjectMeta{}.SwaggerDoc()["name"]),
		},
		Cells: eventCells,
	}
}

func eventCells(e *corev1.Event, now time.Time) []any {
	firstSeen := registryutil.Age(e.FirstTimestamp, now)
	if e.FirstTimestamp.IsZero() {
		firstSeen = microAge(e.EventTime, now)
	}
	lastSeen := registryutil.Age(e.LastTimestamp, now)
	if e.LastTimestamp.IsZero() {
		lastSeen = firstSeen
	}
	count := e.Count
	if e.Series != nil {
		lastSeen = microAge(e.Series.LastObservedTime, now)
		count = e.Series.Count
	} else if count == 0 {
		// Events written with an eventTime and no series happened once.
		count = 1
	}
	object := strings.ToLower(e.InvolvedObject.Kind)
	if e.InvolvedObject.Name != "" {
		object = fmt.Sprintf("%s/%s", object, e.InvolvedObject.Name)
	}
	return []any{
		lastSeen,
		e.Type,
		e.Reason,
		object,
		e.InvolvedObject.FieldPath,
		source(e),
		strings.TrimSpace(e.Message),
		firstSeen,
		int64(count),
		e.Name,
	}
}

// microAge is registryutil.Age of a MicroTime.
func microAge(t metav1.MicroTime, now time.Time) string {
	return registryutil.Age(metav1.NewTime(t.Time), now)
}

// source is "component, host" of the event's source, or of its reporting
// controller and instance when the source is unset.
func source(e *corev1.Event) string {
	component, instance := e.Source.Component, e.Source.Host
	if component == "" {
		component = e.ReportingController
	}
	if instance == "" {
		instance = e.ReportingInstance
	}
	if instance == "" {
		return component
	}
	return component + ", " + instance
}
