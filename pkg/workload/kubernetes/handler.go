package kubernetes

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
)

// AddOwnerHandler calls handler with the owner of kind of every child (pod,
// service, served set or volume) that is added, changed or deleted; for a
// child whose controller changed, with the old and the new one.
func (r *Runtime) AddOwnerHandler(kind schema.GroupKind, handler func(cache.ObjectName)) error {
	h := ownerHandler{kind: kind, handler: handler}
	funcs := cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { h.notify(obj) },
		UpdateFunc: func(oldObj, newObj any) {
			oldRef, newRef := h.owner(oldObj), h.owner(newObj)
			if oldRef != nil && (newRef == nil || *oldRef != *newRef) {
				h.handler(*oldRef)
			}
			if newRef != nil {
				h.handler(*newRef)
			}
		},
		DeleteFunc: func(obj any) {
			if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tombstone.Obj
			}
			h.notify(obj)
		},
	}
	for _, informer := range r.informers {
		if _, err := informer.AddEventHandler(funcs); err != nil {
			return err
		}
	}
	return nil
}

type ownerHandler struct {
	kind    schema.GroupKind
	handler func(cache.ObjectName)
}

func (h ownerHandler) notify(obj any) {
	if ref := h.owner(obj); ref != nil {
		h.handler(*ref)
	}
}

// owner returns the name of obj's controller if it is of the handler's
// kind.
func (h ownerHandler) owner(obj any) *cache.ObjectName {
	m, ok := obj.(metav1.Object)
	if !ok {
		return nil
	}
	ref := metav1.GetControllerOfNoCopy(m)
	if ref == nil || ref.Kind != h.kind.Kind {
		return nil
	}
	if gv, err := schema.ParseGroupVersion(ref.APIVersion); err != nil || gv.Group != h.kind.Group {
		return nil
	}
	return &cache.ObjectName{Namespace: m.GetNamespace(), Name: ref.Name}
}
