package registryutil

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	scalescheme "k8s.io/client-go/scale/scheme"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// replicasPaths maps each served version of the group to the path of the
// replicas that Scale.spec.replicas stands for in it. Managed fields of
// another version are dropped by the scale handler, so every served
// version must be listed.
var replicasPaths = managedfields.ResourcePathMappings{
	mlv1alpha1.SchemeGroupVersion.String(): fieldpath.MakePathOrDie("spec", "replicas"),
}

// scaleUpdatedObjectInfo turns the stored object into its Scale, lets the
// request (patch, update or apply, with its field manager) change that
// Scale, and writes the new replicas back into a copy of the object.
type scaleUpdatedObjectInfo[T Object] struct {
	name       string
	reqObjInfo rest.UpdatedObjectInfo
	rest       *ScaleREST[T]
}

// Preconditions are those of the request.
func (i *scaleUpdatedObjectInfo[T]) Preconditions() *metav1.Preconditions {
	return i.reqObjInfo.Preconditions()
}

// UpdatedObject returns the stored object with the replicas of the updated
// Scale, the Scale's resourceVersion (so that the store refuses a stale one
// with a conflict) and managed fields in which spec.replicas belongs to
// whoever owns it in the Scale.
func (i *scaleUpdatedObjectInfo[T]) UpdatedObject(ctx context.Context, oldObj runtime.Object) (runtime.Object, error) {
	obj, ok := oldObj.DeepCopyObject().(T)
	if !ok {
		var want T
		return nil, apierrors.NewBadRequest(fmt.Sprintf("expected the existing object to be a %T, got %T", want, oldObj))
	}
	resource := i.rest.store.DefaultQualifiedResource
	if obj.GetResourceVersion() == "" {
		// A zero object: nothing is stored under that name.
		return nil, apierrors.NewNotFound(resource, i.name)
	}

	handler := managedfields.NewScaleHandler(obj.GetManagedFields(), requestGroupVersion(ctx), replicasPaths)
	oldScale, err := i.rest.scaleOf(obj)
	if err != nil {
		return nil, err
	}
	if oldScale.ManagedFields, err = handler.ToSubresource(); err != nil {
		return nil, err
	}
	if len(oldScale.ManagedFields) == 0 && len(obj.GetManagedFields()) > 0 {
		oldScale.ManagedFields = []metav1.ManagedFieldsEntry{untrackedReplicas}
	}

	newObj, err := i.reqObjInfo.UpdatedObject(ctx, oldScale)
	if err != nil {
		return nil, err
	}
	if newObj == nil {
		return nil, apierrors.NewBadRequest("nil update passed to Scale")
	}
	scale, ok := newObj.(*scalescheme.Scale)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("expected input object type to be Scale, but %T", newObj))
	}
	if errs := ValidateScale(scale); len(errs) > 0 {
		return nil, apierrors.NewInvalid(scaleGroupKind, obj.GetName(), errs)
	}
	if scale.UID != "" && scale.UID != obj.GetUID() {
		return nil, apierrors.NewConflict(schema.GroupResource{Group: resource.Group, Resource: resource.Resource + "/scale"}, obj.GetName(),
			fmt.Errorf("precondition failed: UID in precondition: %v, UID in object meta: %v", scale.UID, obj.GetUID()))
	}

	i.rest.scaler.SetReplicas(obj, scale.Spec.Replicas)
	obj.SetResourceVersion(scale.ResourceVersion)
	managed, err := handler.ToParent(scale.ManagedFields)
	if err != nil {
		return nil, err
	}
	obj.SetManagedFields(withScaleTimes(managed, scale.ManagedFields))
	return obj, nil
}

// withScaleTimes gives the entries the scale handler carried over from the
// Scale the time they have there: the handler takes times from the object's
// own entries only, which leaves a manager that never wrote the object
// before without one.
func withScaleTimes(entries, scaleEntries []metav1.ManagedFieldsEntry) []metav1.ManagedFieldsEntry {
	for i := range entries {
		e := &entries[i]
		if e.Time != nil {
			continue
		}
		for _, s := range scaleEntries {
			if s.Manager == e.Manager && s.Operation == e.Operation && s.Subresource == e.Subresource {
				e.Time = s.Time
				break
			}
		}
	}
	return entries
}

// untrackedReplicas is the managed fields entry the Scale of an object
// whose spec.replicas has no manager starts with. The field manager of the
// request skips tracking an update of an object without managed fields (an
// object made before server-side apply), and a Scale of unowned replicas
// has none: without this entry, `kubectl scale` of an object created
// without spec.replicas (defaulted) would leave the replicas unowned, and a
// later apply of them by anyone would not conflict. The entry owns nothing,
// so it never reaches the object: only owners of spec.replicas do.
var untrackedReplicas = metav1.ManagedFieldsEntry{
	Manager:    "ml-apiserver-untracked-replicas",
	Operation:  metav1.ManagedFieldsOperationUpdate,
	APIVersion: scaleGroupVersionKind.GroupVersion().String(),
	FieldsType: "FieldsV1",
	FieldsV1:   metav1.NewFieldsV1("{}"),
}

// requestGroupVersion is the version of our group the request came in,
// which the object's managed fields of the new replicas are recorded in.
func requestGroupVersion(ctx context.Context) schema.GroupVersion {
	if info, ok := genericapirequest.RequestInfoFrom(ctx); ok {
		gv := schema.GroupVersion{Group: info.APIGroup, Version: info.APIVersion}
		if _, known := replicasPaths[gv.String()]; known {
			return gv
		}
	}
	return mlv1alpha1.SchemeGroupVersion
}

// ValidateScale validates what a Scale write may change, as kube-apiserver
// does: its managed fields and spec.replicas, which may not be negative.
// Everything else of the Scale is ignored; the kind's own rules for the
// replicas are checked on the object by its update strategy.
func ValidateScale(scale *scalescheme.Scale) field.ErrorList {
	allErrs := metav1validation.ValidateManagedFields(scale.ManagedFields, field.NewPath("metadata", "managedFields"))
	allErrs = append(allErrs, apivalidation.ValidateNonnegativeField(int64(scale.Spec.Replicas), field.NewPath("spec", "replicas"))...)
	return allErrs
}
