package registryutil

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/storage"
)

// PhaseField is the selectable field every kind has, so that
// `kubectl get <kind> --field-selector status.phase=Running` works.
const PhaseField = "status.phase"

// SelectableFields returns the fields every kind can be selected by
// (metadata.name, metadata.namespace and status.phase) merged with the
// kind's own.
func SelectableFields(objectMeta *metav1.ObjectMeta, phase string, kindFields fields.Set) fields.Set {
	set := generic.ObjectMetaFieldsSet(objectMeta, true)
	set[PhaseField] = phase
	return generic.MergeFieldsSets(set, kindFields)
}

// GetAttrs returns the labels and the selectable fields of obj, which must
// be a T; selectableFields gives a T's fields.
func GetAttrs[T Object](obj runtime.Object, selectableFields func(T) fields.Set) (labels.Set, fields.Set, error) {
	o, ok := obj.(T)
	if !ok {
		var want T
		return nil, nil, fmt.Errorf("given object is a %T, not a %T", obj, want)
	}
	return labels.Set(o.GetLabels()), selectableFields(o), nil
}

// PredicateFunc returns the Store.PredicateFunc that matches label and field
// selectors against the attributes attrs returns.
func PredicateFunc(attrs storage.AttrFunc) func(labels.Selector, fields.Selector) storage.SelectionPredicate {
	return func(label labels.Selector, field fields.Selector) storage.SelectionPredicate {
		return storage.SelectionPredicate{Label: label, Field: field, GetAttrs: attrs}
	}
}
