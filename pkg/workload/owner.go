package workload

import (
	"maps"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// Owner is the object whose children a runtime manages: children get a
// controller reference to it and its labels, and are listed by them.
type Owner struct {
	// Kind is the owner's group, version and kind.
	Kind schema.GroupVersionKind
	// Namespace, Name and UID identify the owner; children live in its
	// namespace.
	Namespace, Name string
	UID             types.UID
	// Labels are put on every child and select them.
	Labels map[string]string
}

// NewOwner returns the owner of kind for obj, whose children carry labels.
func NewOwner(obj metav1.Object, kind schema.GroupVersionKind, childLabels map[string]string) Owner {
	return Owner{
		Kind:      kind,
		Namespace: obj.GetNamespace(),
		Name:      obj.GetName(),
		UID:       obj.GetUID(),
		Labels:    maps.Clone(childLabels),
	}
}

// Selector selects the owner's children by its labels.
func (o Owner) Selector() labels.Selector {
	return labels.SelectorFromSet(o.Labels)
}

// ControllerRef is the owner reference every child gets: controller, and
// blocking the owner's foreground deletion until the child is gone.
func (o Owner) ControllerRef() metav1.OwnerReference {
	t := true
	return metav1.OwnerReference{
		APIVersion:         o.Kind.GroupVersion().String(),
		Kind:               o.Kind.Kind,
		Name:               o.Name,
		UID:                o.UID,
		Controller:         &t,
		BlockOwnerDeletion: &t,
	}
}

// Controls says whether ref is this owner's controller reference, in any
// version of the owner's group.
func (o Owner) Controls(ref *metav1.OwnerReference) bool {
	if ref == nil || ref.UID != o.UID || ref.Kind != o.Kind.Kind {
		return false
	}
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	return err == nil && gv.Group == o.Kind.Group
}
