package registryutil

import (
	"context"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage/names"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

// Object is an internal ml.example.io object: a runtime.Object with object
// metadata.
type Object interface {
	runtime.Object
	metav1.Object
}

// Kind tells the shared strategies how to reach the spec and status of one
// kind and how to validate it. T is the pointer type of the object, S its
// spec type and St its status type.
type Kind[T Object, S, St any] struct {
	// Spec returns a pointer to the object's spec.
	Spec func(T) *S
	// Status returns a pointer to the object's status.
	Status func(T) *St
	// Validate validates a new object against the server's caps.
	Validate func(obj T, opts validation.Options) field.ErrorList
	// ValidateUpdate validates an update of the main resource against the
	// server's caps.
	ValidateUpdate func(obj, old T, opts validation.Options) field.ErrorList
	// ValidateStatusUpdate validates an update through the status subresource.
	ValidateStatusUpdate func(obj, old T) field.ErrorList
}

// resetFieldsVersion is the version the reset field sets are keyed by: the
// version server-side apply tracks managed fields in.
var resetFieldsVersion = fieldpath.APIVersion(mlv1alpha1.SchemeGroupVersion.String())

// Strategy is the create, update and delete strategy of the main resource of
// a namespaced kind with spec and status, following core: users own the
// spec, controllers own the status through the status subresource, and
// metadata.generation counts spec changes.
type Strategy[T Object, S, St any] struct {
	runtime.ObjectTyper
	names.NameGenerator

	kind Kind[T, S, St]
	// opts are the caps (--max-replicas, --max-foreach) objects are
	// validated against.
	opts validation.Options
}

var _ rest.RESTCreateUpdateStrategy = Strategy[Object, struct{}, struct{}]{}
var _ rest.RESTDeleteStrategy = Strategy[Object, struct{}, struct{}]{}
var _ rest.ResetFieldsStrategy = Strategy[Object, struct{}, struct{}]{}

// NewStrategy returns the main-resource strategy of a kind, which
// validates objects against the caps in opts.
func NewStrategy[T Object, S, St any](typer runtime.ObjectTyper, kind Kind[T, S, St], opts validation.Options) Strategy[T, S, St] {
	return Strategy[T, S, St]{ObjectTyper: typer, NameGenerator: names.SimpleNameGenerator, kind: kind, opts: opts}
}

// NamespaceScoped is true: every ml.example.io kind lives in a namespace.
func (Strategy[T, S, St]) NamespaceScoped() bool { return true }

// GetResetFields says that writes to the main resource never set status.
func (Strategy[T, S, St]) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		resetFieldsVersion: fieldpath.NewSet(fieldpath.MakePathOrDie("status")),
	}
}

// PrepareForCreate clears the status, which only controllers set, and starts
// the generation at 1.
func (s Strategy[T, S, St]) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	o := obj.(T)
	var zero St
	*s.kind.Status(o) = zero
	o.SetGeneration(1)
}

// PrepareForUpdate keeps the stored status and bumps the generation when,
// and only when, the spec changed.
func (s Strategy[T, S, St]) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	newObj, oldObj := obj.(T), old.(T)
	*s.kind.Status(newObj) = *s.kind.Status(oldObj)
	if !apiequality.Semantic.DeepEqual(*s.kind.Spec(newObj), *s.kind.Spec(oldObj)) {
		newObj.SetGeneration(oldObj.GetGeneration() + 1)
	}
}

// Validate validates a new object.
func (s Strategy[T, S, St]) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	return s.kind.Validate(obj.(T), s.opts)
}

// WarningsOnCreate returns no warnings.
func (Strategy[T, S, St]) WarningsOnCreate(ctx context.Context, obj runtime.Object) []string {
	return nil
}

// Canonicalize does nothing: the objects have no order-insensitive fields
// to normalize.
func (Strategy[T, S, St]) Canonicalize(obj runtime.Object) {}

// AllowCreateOnUpdate is false: PUT never creates an object.
func (Strategy[T, S, St]) AllowCreateOnUpdate(ctx context.Context) bool { return false }

// AllowUnconditionalUpdate is true, as for core kinds: an update without a
// resourceVersion overwrites the stored object.
func (Strategy[T, S, St]) AllowUnconditionalUpdate(ctx context.Context) bool { return true }

// ValidateUpdate validates an update of the main resource.
func (s Strategy[T, S, St]) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return s.kind.ValidateUpdate(obj.(T), old.(T), s.opts)
}

// WarningsOnUpdate returns no warnings.
func (Strategy[T, S, St]) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return nil
}

// StatusStrategy is the update strategy of the status subresource: it
// writes the status and nothing of the spec.
type StatusStrategy[T Object, S, St any] struct {
	Strategy[T, S, St]
}

var _ rest.UpdateResetFieldsStrategy = StatusStrategy[Object, struct{}, struct{}]{}

// NewStatusStrategy returns the status-subresource strategy of a kind.
// Status validation has no caps: the spec it keeps was capped when written.
func NewStatusStrategy[T Object, S, St any](typer runtime.ObjectTyper, kind Kind[T, S, St]) StatusStrategy[T, S, St] {
	return StatusStrategy[T, S, St]{Strategy: NewStrategy(typer, kind, validation.DefaultOptions())}
}

// GetResetFields says that writes to the status subresource never set spec.
func (StatusStrategy[T, S, St]) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		resetFieldsVersion: fieldpath.NewSet(fieldpath.MakePathOrDie("spec")),
	}
}

// PrepareForUpdate restores the stored spec, as core status strategies do;
// the generation therefore never moves on a status write.
func (s StatusStrategy[T, S, St]) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	*s.kind.Spec(obj.(T)) = *s.kind.Spec(old.(T))
}

// ValidateUpdate validates an update of the status.
func (s StatusStrategy[T, S, St]) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return s.kind.ValidateStatusUpdate(obj.(T), old.(T))
}

// WarningsOnUpdate returns no warnings.
func (StatusStrategy[T, S, St]) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return nil
}

// Categories returns the categories every kind is in, so that
// `kubectl get ml` lists them all.
func Categories() []string {
	return []string{"ml"}
}
