package registryutil

import (
	"context"
	"fmt"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	scalescheme "k8s.io/client-go/scale/scheme"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// Scaler tells the scale subresource how the replica count of one kind
// reads and writes. T is the pointer type of the object.
type Scaler[T Object] struct {
	// NameLabel is the label key, with the object's name as value, that
	// selects the object's pods while status.selector is not reported.
	NameLabel string
	// Replicas returns the replicas the object asks for: Scale.spec.replicas.
	Replicas func(obj T) int32
	// SetReplicas writes Scale.spec.replicas into the object's spec.
	SetReplicas func(obj T, replicas int32)
	// StatusReplicas returns the replicas the controller counted:
	// Scale.status.replicas.
	StatusReplicas func(obj T) int32
	// Selector returns the object's status.selector, "" while unreported.
	Selector func(obj T) string
}

// ScaleREST is the storage of a scale subresource: it reads and writes the
// autoscaling/v1 Scale of an object through the main resource's store, so
// a scale is an ordinary update of the object (validated by the kind's
// update strategy, bumping the generation, honouring resourceVersion
// preconditions) and the managed fields of spec.replicas move between the
// object and its Scale the way they do for Deployments.
type ScaleREST[T Object] struct {
	store  *genericregistry.Store
	scaler Scaler[T]
	table  rest.TableConvertor
}

var (
	_ rest.Patcher                  = &ScaleREST[Object]{}
	_ rest.Storage                  = &ScaleREST[Object]{}
	_ rest.GroupVersionKindProvider = &ScaleREST[Object]{}
	_ rest.ResetFieldsStrategy      = &ScaleREST[Object]{}
	_ rest.TableConvertor           = &ScaleREST[Object]{}
)

// NewScaleREST returns the scale storage over store, the main resource's
// store, which it shares and never destroys.
func NewScaleREST[T Object](store *genericregistry.Store, scaler Scaler[T]) *ScaleREST[T] {
	return &ScaleREST[T]{store: store, scaler: scaler, table: scaleTableConvertor}
}

// scaleGroupVersionKind is the kind clients read and write through every
// scale subresource, whatever version of our group contains it.
var scaleGroupVersionKind = autoscalingv1.SchemeGroupVersion.WithKind("Scale")

// scaleGroupKind names the Scale in errors about the Scale itself.
var scaleGroupKind = schema.GroupKind{Group: autoscalingv1.GroupName, Kind: "Scale"}

// GroupVersionKind returns autoscaling/v1 Scale: discovery shows it, and
// client-go's scale client (kubectl scale, the HPA) finds it there.
func (r *ScaleREST[T]) GroupVersionKind(containingGV schema.GroupVersion) schema.GroupVersionKind {
	return scaleGroupVersionKind
}

// New returns an empty internal Scale.
func (r *ScaleREST[T]) New() runtime.Object {
	return &scalescheme.Scale{}
}

// Destroy does nothing: the storage is shared with the main resource, which
// destroys it.
func (r *ScaleREST[T]) Destroy() {}

// Get returns the Scale of the object.
func (r *ScaleREST[T]) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	obj, err := r.store.Get(ctx, name, options)
	if err != nil {
		return nil, err
	}
	return r.scaleOf(obj)
}

// Update sets the replicas of the object from its Scale. It never creates
// an object, whatever the caller asks.
func (r *ScaleREST[T]) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc, updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	obj, _, err := r.store.Update(ctx, name,
		&scaleUpdatedObjectInfo[T]{name: name, reqObjInfo: objInfo, rest: r},
		r.toScaleCreateValidation(createValidation),
		r.toScaleUpdateValidation(updateValidation),
		false, options)
	if err != nil {
		return nil, false, err
	}
	scale, err := r.scaleOf(obj)
	if err != nil {
		return nil, false, err
	}
	return scale, false, nil
}

// GetResetFields says that writes to a Scale never set its status: only
// spec.replicas reaches the object.
func (r *ScaleREST[T]) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		fieldpath.APIVersion(autoscalingv1.SchemeGroupVersion.String()): fieldpath.NewSet(fieldpath.MakePathOrDie("status")),
	}
}

// ConvertToTable prints a Scale like kube-apiserver does:
// NAME, DESIRED, AVAILABLE, AGE.
func (r *ScaleREST[T]) ConvertToTable(ctx context.Context, object runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	return r.table.ConvertToTable(ctx, object, tableOptions)
}

// scaleOf returns the Scale of obj, which must be a T.
func (r *ScaleREST[T]) scaleOf(obj runtime.Object) (*scalescheme.Scale, error) {
	o, ok := obj.(T)
	if !ok {
		var want T
		return nil, apierrors.NewInternalError(fmt.Errorf("scale of a %T, want a %T", obj, want))
	}
	scale, err := ScaleOf(o, r.scaler)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	return scale, nil
}

// ScaleOf returns the Scale of obj: spec.replicas as the object asks,
// status.replicas as the controller counted them, and status.selector as
// the controller reported it or, before it has, the selector of the name
// label the controller puts on the object's pods.
func ScaleOf[T Object](obj T, scaler Scaler[T]) (*scalescheme.Scale, error) {
	selector := &metav1.LabelSelector{MatchLabels: map[string]string{scaler.NameLabel: obj.GetName()}}
	if s := scaler.Selector(obj); s != "" {
		parsed, err := metav1.ParseToLabelSelector(s)
		if err != nil {
			return nil, fmt.Errorf("status.selector %q of %s/%s: %w", s, obj.GetNamespace(), obj.GetName(), err)
		}
		selector = parsed
	}
	return &scalescheme.Scale{
		ObjectMeta: metav1.ObjectMeta{
			Name:              obj.GetName(),
			Namespace:         obj.GetNamespace(),
			UID:               obj.GetUID(),
			ResourceVersion:   obj.GetResourceVersion(),
			CreationTimestamp: obj.GetCreationTimestamp(),
		},
		Spec:   scalescheme.ScaleSpec{Replicas: scaler.Replicas(obj)},
		Status: scalescheme.ScaleStatus{Replicas: scaler.StatusReplicas(obj), Selector: selector},
	}, nil
}

// toScaleCreateValidation and toScaleUpdateValidation hand admission the
// Scale, the kind of the request, instead of the object being written.
func (r *ScaleREST[T]) toScaleCreateValidation(f rest.ValidateObjectFunc) rest.ValidateObjectFunc {
	if f == nil {
		return nil
	}
	return func(ctx context.Context, obj runtime.Object) error {
		scale, err := r.scaleOf(obj)
		if err != nil {
			return err
		}
		return f(ctx, scale)
	}
}

func (r *ScaleREST[T]) toScaleUpdateValidation(f rest.ValidateObjectUpdateFunc) rest.ValidateObjectUpdateFunc {
	if f == nil {
		return nil
	}
	return func(ctx context.Context, obj, old runtime.Object) error {
		newScale, err := r.scaleOf(obj)
		if err != nil {
			return err
		}
		oldScale, err := r.scaleOf(old)
		if err != nil {
			return err
		}
		return f(ctx, newScale, oldScale)
	}
}

// scaleTableConvertor prints Scales with the columns of kube-apiserver.
var scaleTableConvertor = TableConvertor[*scalescheme.Scale]{
	Columns: []metav1.TableColumnDefinition{
		NameColumn(),
		Column("Desired", "integer", autoscalingv1.ScaleSpec{}.SwaggerDoc()["replicas"]),
		Column("Available", "integer", autoscalingv1.ScaleStatus{}.SwaggerDoc()["replicas"]),
		AgeColumn(),
	},
	Cells: func(s *scalescheme.Scale, now time.Time) []any {
		return []any{s.Name, int64(s.Spec.Replicas), int64(s.Status.Replicas), Age(s.CreationTimestamp, now)}
	},
}
