package profile

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// object is a child of a profile as its typed client and lister have it.
type object interface {
	comparable
	metav1.Object
	runtime.Object
}

// kindClient reads and writes one kind of child.
type kindClient[T object] struct {
	// kind names the kind in events and errors.
	kind string
	// cached reads the informer's cache, which holds only the children
	// labelled managed-by the controller.
	cached func(namespace, name string) (T, error)
	// live reads kube-apiserver, for a child of that name the cache does
	// not have (made by someone else).
	live   func(ctx context.Context, namespace, name string) (T, error)
	create func(ctx context.Context, obj T, opts metav1.CreateOptions) (T, error)
	update func(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error)
	delete func(ctx context.Context, namespace, name string, opts metav1.DeleteOptions) error
	// merge returns existing with the desired fields of desired (a copy),
	// and whether that changed anything. Metadata is merged by ensure.
	merge func(existing, desired T) (T, bool)
}

// change is what ensure or remove did.
type change string

const (
	unchanged change = ""
	created   change = "Created"
	updated   change = "Updated"
	deleted   change = "Deleted"
)

// ensure makes desired exist: created, or the existing child of its name
// brought to it (a child of that name in the profile's namespace is taken
// over: the namespace is the profile's).
func ensure[T object](ctx context.Context, c *Controller, k kindClient[T], desired T) (change, error) {
	var zero T
	ns, name := desired.GetNamespace(), desired.GetName()
	existing, err := k.cached(ns, name)
	if apierrors.IsNotFound(err) {
		_, err = k.create(ctx, desired, metav1.CreateOptions{FieldManager: c.fieldManager})
		if err == nil {
			return created, nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return unchanged, fmt.Errorf("create %s %s/%s: %w", k.kind, ns, name, err)
		}
		existing, err = k.live(ctx, ns, name)
	}
	if err != nil {
		return unchanged, fmt.Errorf("get %s %s/%s: %w", k.kind, ns, name, err)
	}
	if existing == zero {
		return unchanged, fmt.Errorf("get %s %s/%s: nothing", k.kind, ns, name)
	}
	merged, changed := k.merge(existing, desired)
	if mergeMeta(merged, desired) {
		changed = true
	}
	if !changed {
		return unchanged, nil
	}
	if _, err := k.update(ctx, merged, metav1.UpdateOptions{FieldManager: c.fieldManager}); err != nil {
		return unchanged, fmt.Errorf("update %s %s/%s: %w", k.kind, ns, name, err)
	}
	return updated, nil
}

// remove deletes the child of that name when the cache has it labelled
// with the profile.
func remove[T object](ctx context.Context, k kindClient[T], profile, namespace, name string) (change, error) {
	existing, err := k.cached(namespace, name)
	if apierrors.IsNotFound(err) {
		return unchanged, nil
	}
	if err != nil {
		return unchanged, err
	}
	if existing.GetLabels()[ProfileLabel] != profile {
		return unchanged, nil
	}
	uid := existing.GetUID()
	err = k.delete(ctx, namespace, name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
	if apierrors.IsNotFound(err) {
		return unchanged, nil
	}
	if err != nil {
		return unchanged, fmt.Errorf("delete %s %s/%s: %w", k.kind, namespace, name, err)
	}
	return deleted, nil
}

// mergeMeta sets desired's labels and annotations on obj, and its owner
// references when obj lacks them; it reports whether obj changed.
func mergeMeta(obj, desired metav1.Object) bool {
	changed := false
	set := func(get func() map[string]string, put func(map[string]string), want map[string]string) {
		have := get()
		for k, v := range want {
			if old, ok := have[k]; !ok || old != v {
				if have == nil {
					have = map[string]string{}
				}
				have[k] = v
				changed = true
			}
		}
		put(have)
	}
	set(obj.GetLabels, obj.SetLabels, desired.GetLabels())
	set(obj.GetAnnotations, obj.SetAnnotations, desired.GetAnnotations())
	refs := obj.GetOwnerReferences()
	for _, want := range desired.GetOwnerReferences() {
		found := false
		for _, r := range refs {
			found = found || r.UID == want.UID
		}
		if !found {
			if metav1.GetControllerOfNoCopy(obj) != nil {
				// Taken over from another controller: one controller
				// reference only.
				want.Controller = nil
			}
			refs = append(refs, want)
			changed = true
		}
	}
	obj.SetOwnerReferences(refs)
	return changed
}
