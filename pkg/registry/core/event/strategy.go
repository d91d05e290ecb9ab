// Package event holds the strategy, validation and selectable fields of
// core/v1 Events, which standalone mode serves under /api/v1 so that the
// controllers' events reach `kubectl describe` and `kubectl get events`
// without a kube-apiserver. Their storage is in the storage subpackage.
//
// The behaviour follows kube-apiserver's event registry
// (k8s.io/kubernetes v1.37 pkg/registry/core/event), which is not
// importable as a module. There is no internal core type outside
// k8s.io/kubernetes, so the strategy works on corev1.Event.
package event

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage/names"

	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

// Strategy is the create, update and delete strategy of Events. Events are
// written whole by their recorders: nothing is reset or defaulted, updates
// need no resource version, and an update of a missing event creates it.
type Strategy struct {
	runtime.ObjectTyper
	names.NameGenerator
}

var (
	_ rest.RESTCreateStrategy              = Strategy{}
	_ rest.RESTUpdateStrategy              = Strategy{}
	_ rest.RESTDeleteStrategy              = Strategy{}
	_ rest.GarbageCollectionDeleteStrategy = Strategy{}
)

// NewStrategy returns the strategy of Events; typer knows core/v1 Events
// (scheme.CoreScheme).
func NewStrategy(typer runtime.ObjectTyper) Strategy {
	return Strategy{ObjectTyper: typer, NameGenerator: names.SimpleNameGenerator}
}

// NamespaceScoped is true: every Event lives in a namespace.
func (Strategy) NamespaceScoped() bool { return true }

// DefaultGarbageCollectionPolicy is Unsupported: Events are not garbage
// collected through owner references but expire (see the storage's TTL).
func (Strategy) DefaultGarbageCollectionPolicy(context.Context) rest.GarbageCollectionPolicy {
	return rest.Unsupported
}

// PrepareForCreate changes nothing: an Event is stored as written.
func (Strategy) PrepareForCreate(context.Context, runtime.Object) {}

// PrepareForUpdate changes nothing: an Event is stored as written.
func (Strategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}

// Validate validates a new Event.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return ValidateEvent(obj.(*corev1.Event))
}

// WarningsOnCreate returns no warnings.
func (Strategy) WarningsOnCreate(context.Context, runtime.Object) []string { return nil }

// Canonicalize changes nothing.
func (Strategy) Canonicalize(runtime.Object) {}

// AllowCreateOnUpdate is true: recorders update an Event's count with a
// PATCH and may PUT one that expired in between.
func (Strategy) AllowCreateOnUpdate(context.Context) bool { return true }

// ValidateUpdate validates an updated Event.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateEventUpdate(obj.(*corev1.Event), old.(*corev1.Event))
}

// WarningsOnUpdate returns no warnings.
func (Strategy) WarningsOnUpdate(context.Context, runtime.Object, runtime.Object) []string {
	return nil
}

// AllowUnconditionalUpdate is true: updates need no resource version.
func (Strategy) AllowUnconditionalUpdate(context.Context) bool { return true }

// SelectableFields returns the fields an Event can be selected by: its
// metadata, involved object, reason, reporting component, source and type.
// The keys are scheme.EventFieldLabels.
func SelectableFields(e *corev1.Event) fields.Set {
	source := e.Source.Component
	if source == "" {
		source = e.ReportingController
	}
	return generic.MergeFieldsSets(generic.ObjectMetaFieldsSet(&e.ObjectMeta, true), fields.Set{
		"involvedObject.kind":            e.InvolvedObject.Kind,
		"involvedObject.namespace":       e.InvolvedObject.Namespace,
		"involvedObject.name":            e.InvolvedObject.Name,
		"involvedObject.uid":             string(e.InvolvedObject.UID),
		"involvedObject.apiVersion":      e.InvolvedObject.APIVersion,
		"involvedObject.resourceVersion": e.InvolvedObject.ResourceVersion,
		"involvedObject.fieldPath":       e.InvolvedObject.FieldPath,
		"reason":                         e.Reason,
		// The core/v1 name of reportingController.
		"reportingComponent": e.ReportingController,
		"source":             source,
		"type":               e.Type,
	})
}

// GetAttrs returns the labels and selectable fields of an Event.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	return registryutil.GetAttrs(obj, SelectableFields)
}
