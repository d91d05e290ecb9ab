package registrytest

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

// StorageContract is the behaviour every kind's etcd storage shares, run
// against a real etcd: status is written only through the status
// subresource, spec only through the main resource, generation counts spec
// changes, and status.phase is selectable.
type StorageContract[T registryutil.Object] struct {
	// Store is the main resource's store.
	Store *genericregistry.Store
	// StatusStore is the status subresource's storage.
	StatusStore *registryutil.StatusREST
	// New returns a valid object named name, without status.
	New func(name string) T
	// ChangeSpec makes a change to obj's spec that an update may make.
	ChangeSpec func(obj T)
	// SetStatus fills obj's status with valid values, status.phase
	// included; times must have whole seconds, as they are stored.
	SetStatus func(obj T)
	// Phase is the status.phase SetStatus sets.
	Phase string
	// SpecOf and StatusOf return obj's spec and status, to compare them.
	SpecOf, StatusOf func(obj T) any
}

// Run runs the contract's tests. Each test writes to a namespace of its own.
func (c StorageContract[T]) Run(t *testing.T) {
	t.Run("create and get", c.testCreate)
	t.Run("update", c.testUpdate)
	t.Run("status update", c.testStatusUpdate)
	t.Run("list by phase", c.testListByPhase)
	t.Run("watch by phase", c.testWatchByPhase)
	t.Run("delete", c.testDelete)
	t.Run("table", c.testTable)
	t.Run("reset fields", c.testResetFields)
}

// create stores a new object named name in ctx's namespace, changed by changes.
func (c StorageContract[T]) create(t *testing.T, ctx context.Context, name string, changes ...func(T)) T {
	t.Helper()
	obj := c.newIn(ctx, name)
	for _, change := range changes {
		change(obj)
	}
	out, err := c.Store.Create(ctx, obj, rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return out.(T)
}

// newIn returns a new object named name in ctx's namespace.
func (c StorageContract[T]) newIn(ctx context.Context, name string) T {
	obj := c.New(name)
	ns, _ := genericapirequest.NamespaceFrom(ctx)
	obj.SetNamespace(ns)
	return obj
}

func (c StorageContract[T]) get(t *testing.T, ctx context.Context, name string) T {
	t.Helper()
	out, err := c.Store.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get %s: %v", name, err)
	}
	return out.(T)
}

func (c StorageContract[T]) update(t *testing.T, ctx context.Context, updater rest.Updater, obj T) T {
	t.Helper()
	out, created, err := updater.Update(ctx, obj.GetName(), rest.DefaultUpdatedObjectInfo(obj),
		rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update %s: %v", obj.GetName(), err)
	}
	if created {
		t.Fatalf("update %s created the object", obj.GetName())
	}
	return out.(T)
}

func (c StorageContract[T]) testCreate(t *testing.T) {
	ctx := NewContext("create")
	created := c.create(t, ctx, "a", func(o T) { o.SetGeneration(5); c.SetStatus(o) })

	if got := created.GetGeneration(); got != 1 {
		t.Errorf("generation = %d, want 1", got)
	}
	if created.GetUID() == "" || created.GetResourceVersion() == "" {
		t.Errorf("uid %q, resourceVersion %q: want both set", created.GetUID(), created.GetResourceVersion())
	}
	if diff := cmp.Diff(c.StatusOf(c.New("a")), c.StatusOf(created)); diff != "" {
		t.Errorf("status on create must be cleared (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(created, c.get(t, ctx, "a")); diff != "" {
		t.Errorf("get returned another object than create (-want +got):\n%s", diff)
	}
	if _, err := c.Store.Create(ctx, c.newIn(ctx, "a"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); !apierrors.IsAlreadyExists(err) {
		t.Errorf("second create: got %v, want AlreadyExists", err)
	}
}

func (c StorageContract[T]) testUpdate(t *testing.T) {
	ctx := NewContext("update")
	created := c.create(t, ctx, "a")

	changed := created.DeepCopyObject().(T)
	c.ChangeSpec(changed)
	c.SetStatus(changed)
	updated := c.update(t, ctx, c.Store, changed)
	if got := updated.GetGeneration(); got != 2 {
		t.Errorf("generation after a spec change = %d, want 2", got)
	}
	if diff := cmp.Diff(c.SpecOf(changed), c.SpecOf(updated)); diff != "" {
		t.Errorf("spec after update (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(c.StatusOf(created), c.StatusOf(updated)); diff != "" {
		t.Errorf("status must not change through the main resource (-want +got):\n%s", diff)
	}

	relabeled := updated.DeepCopyObject().(T)
	relabeled.SetLabels(map[string]string{"team": "vision"})
	updated = c.update(t, ctx, c.Store, relabeled)
	if got := updated.GetGeneration(); got != 2 {
		t.Errorf("generation after a label change = %d, want 2", got)
	}
	if diff := cmp.Diff(map[string]string{"team": "vision"}, updated.GetLabels()); diff != "" {
		t.Errorf("labels after update (-want +got):\n%s", diff)
	}
}

func (c StorageContract[T]) testStatusUpdate(t *testing.T) {
	ctx := NewContext("status")
	// The status storage shares the store: destroying it at shutdown must
	// leave the main resource (and the tests after this one) working.
	c.StatusStore.Destroy()
	created := c.create(t, ctx, "a")

	changed := created.DeepCopyObject().(T)
	c.ChangeSpec(changed)
	c.SetStatus(changed)
	updated := c.update(t, ctx, c.StatusStore, changed)
	if got := updated.GetGeneration(); got != 1 {
		t.Errorf("generation after a status update = %d, want 1", got)
	}
	if diff := cmp.Diff(c.SpecOf(created), c.SpecOf(updated)); diff != "" {
		t.Errorf("spec must not change through status (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(c.StatusOf(changed), c.StatusOf(updated)); diff != "" {
		t.Errorf("status after status update (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(updated, c.get(t, ctx, "a")); diff != "" {
		t.Errorf("stored object differs from the update's result (-want +got):\n%s", diff)
	}

	missing := c.newIn(ctx, "missing")
	_, _, err := c.StatusStore.Update(ctx, "missing", rest.DefaultUpdatedObjectInfo(missing),
		rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, true, &metav1.UpdateOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("status update of a missing object: got %v, want NotFound even with forceAllowCreate", err)
	}
	if _, ok := c.StatusStore.New().(T); !ok {
		t.Errorf("status New returned a %T", c.StatusStore.New())
	}
}

func (c StorageContract[T]) testDelete(t *testing.T) {
	ctx := NewContext("delete")
	c.create(t, ctx, "a")
	if _, _, err := c.Store.Delete(ctx, "a", rest.ValidateAllObjectFunc, &metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := c.Store.Get(ctx, "a", &metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("get after delete: got %v, want NotFound", err)
	}
}

func (c StorageContract[T]) testResetFields(t *testing.T) {
	version := fieldpath.APIVersion(mlv1alpha1.SchemeGroupVersion.String())
	tests := map[string]struct {
		storage rest.ResetFieldsStrategy
		want    string
	}{
		"main resource resets status": {storage: c.Store, want: ".status"},
		"status resets spec":          {storage: c.StatusStore, want: ".spec"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := map[fieldpath.APIVersion]string{}
			for v, set := range tc.storage.GetResetFields() {
				got[v] = set.String()
			}
			if diff := cmp.Diff(map[fieldpath.APIVersion]string{version: tc.want}, got); diff != "" {
				t.Errorf("GetResetFields (-want +got):\n%s", diff)
			}
		})
	}
}
