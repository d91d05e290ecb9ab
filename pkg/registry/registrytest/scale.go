package registrytest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	scalescheme "k8s.io/client-go/scale/scheme"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

// ScaleContract is the behaviour every scale subresource shares, run
// against a real etcd: the Scale reads the object's replicas, status and
// selector; a scale is an update of the object through its store, so it
// bumps the generation, honours resourceVersion and UID preconditions,
// never creates, and moves the managed fields of spec.replicas.
type ScaleContract[T registryutil.Object] struct {
	// Store is the main resource's store and StatusStore its status storage.
	Store       *genericregistry.Store
	StatusStore *registryutil.StatusREST
	// Scale is the scale subresource's storage.
	Scale *registryutil.ScaleREST[T]
	// New returns a valid object named name, without status, asking for
	// Replicas replicas, which may be scaled to ScaledReplicas.
	New                      func(name string) T
	Replicas, ScaledReplicas int32
	// SpecReplicas returns the object's spec.replicas.
	SpecReplicas func(obj T) *int32
	// NameLabel is the label the selector is made of before the controller
	// reports one.
	NameLabel string
	// SetStatus sets the object's status.replicas to 2 and its
	// status.selector to Selector.
	SetStatus func(obj T)
	Selector  string
}

// ScaleTo is a scale request: the UpdatedObjectInfo of an update or patch
// of a Scale, as the generic API server passes it to the storage.
type ScaleTo struct {
	// Replicas is the new spec.replicas.
	Replicas int32
	// ResourceVersion and UID, when set, replace those of the stored Scale,
	// as a client sending a Scale it read earlier would.
	ResourceVersion string
	UID             types.UID
	// ManagedFields, when set, changes the managed fields of the Scale, as
	// the request's field manager does.
	ManagedFields func(old []metav1.ManagedFieldsEntry) []metav1.ManagedFieldsEntry
	// Seen, when set, receives the Scale the request started from.
	Seen *scalescheme.Scale
}

var _ rest.UpdatedObjectInfo = ScaleTo{}

// Preconditions are none: the resourceVersion travels in the Scale.
func (s ScaleTo) Preconditions() *metav1.Preconditions { return nil }

// UpdatedObject returns the stored Scale with the request's changes.
func (s ScaleTo) UpdatedObject(ctx context.Context, old runtime.Object) (runtime.Object, error) {
	scale := old.DeepCopyObject().(*scalescheme.Scale)
	if s.Seen != nil {
		*s.Seen = *scale.DeepCopy()
	}
	scale.Spec.Replicas = s.Replicas
	if s.ResourceVersion != "" {
		scale.ResourceVersion = s.ResourceVersion
	}
	if s.UID != "" {
		scale.UID = s.UID
	}
	if s.ManagedFields != nil {
		scale.ManagedFields = s.ManagedFields(scale.ManagedFields)
	}
	return scale, nil
}

// Run runs the contract's tests. Each test writes to a namespace of its own.
func (c ScaleContract[T]) Run(t *testing.T) {
	t.Run("kind", c.testKind)
	t.Run("get", c.testGet)
	t.Run("get with status", c.testGetWithStatus)
	t.Run("update", c.testUpdate)
	t.Run("stale resourceVersion", c.testStaleResourceVersion)
	t.Run("UID precondition", c.testUID)
	t.Run("negative replicas", c.testNegative)
	t.Run("missing object", c.testMissing)
	t.Run("dry run", c.testDryRun)
	t.Run("managed fields", c.testManagedFields)
	t.Run("unowned replicas", c.testUnownedReplicas)
	t.Run("table", c.testTable)
}

func (c ScaleContract[T]) create(t *testing.T, ctx context.Context, name string, changes ...func(T)) T {
	t.Helper()
	return StorageContract[T]{Store: c.Store, New: c.New}.create(t, ctx, name, changes...)
}

func (c ScaleContract[T]) get(t *testing.T, ctx context.Context, name string) T {
	t.Helper()
	return StorageContract[T]{Store: c.Store}.get(t, ctx, name)
}

func (c ScaleContract[T]) getScale(t *testing.T, ctx context.Context, name string) *scalescheme.Scale {
	t.Helper()
	out, err := c.Scale.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get scale of %s: %v", name, err)
	}
	return out.(*scalescheme.Scale)
}

// ScaleUpdate scales the object called name through storage with the
// request s, forceAllowCreate set, and returns the resulting Scale.
func ScaleUpdate(ctx context.Context, storage rest.Updater, name string, s ScaleTo, options *metav1.UpdateOptions) (*scalescheme.Scale, error) {
	if options == nil {
		options = &metav1.UpdateOptions{}
	}
	out, created, err := storage.Update(ctx, name, s, rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, true, options)
	if err != nil {
		return nil, err
	}
	if created {
		return nil, errors.New("the scale reported that it created the object")
	}
	return out.(*scalescheme.Scale), nil
}

func (c ScaleContract[T]) testKind(t *testing.T) {
	if got, want := c.Scale.GroupVersionKind(mlv1alpha1.SchemeGroupVersion), autoscalingv1.SchemeGroupVersion.WithKind("Scale"); got != want {
		t.Errorf("GroupVersionKind = %v, want %v", got, want)
	}
	if _, ok := c.Scale.New().(*scalescheme.Scale); !ok {
		t.Errorf("New returned a %T, want the internal Scale", c.Scale.New())
	}
	got := map[fieldpath.APIVersion]string{}
	for v, set := range c.Scale.GetResetFields() {
		got[v] = set.String()
	}
	if diff := cmp.Diff(map[fieldpath.APIVersion]string{"autoscaling/v1": ".status"}, got); diff != "" {
		t.Errorf("GetResetFields (-want +got):\n%s", diff)
	}
	// The storage is shared with the main resource: destroying it at
	// shutdown must leave the main resource (and the tests after this one)
	// working.
	c.Scale.Destroy()
	ctx := NewContext("kind")
	c.create(t, ctx, "after-destroy")
	c.getScale(t, ctx, "after-destroy")
}

func (c ScaleContract[T]) testGet(t *testing.T) {
	ctx := NewContext("get")
	obj := c.create(t, ctx, "a")
	want := &scalescheme.Scale{
		ObjectMeta: metav1.ObjectMeta{
			Name: "a", Namespace: "get", UID: obj.GetUID(),
			ResourceVersion: obj.GetResourceVersion(), CreationTimestamp: obj.GetCreationTimestamp(),
		},
		Spec: scalescheme.ScaleSpec{Replicas: c.Replicas},
		Status: scalescheme.ScaleStatus{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{c.NameLabel: "a"}},
		},
	}
	if diff := cmp.Diff(want, c.getScale(t, ctx, "a")); diff != "" {
		t.Errorf("scale of a new object (-want +got):\n%s", diff)
	}
	if _, err := c.Scale.Get(ctx, "missing", &metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("scale of a missing object: got %v, want NotFound", err)
	}
}

func (c ScaleContract[T]) testGetWithStatus(t *testing.T) {
	ctx := NewContext("get-status")
	obj := c.create(t, ctx, "a")
	c.SetStatus(obj)
	StorageContract[T]{}.update(t, ctx, c.StatusStore, obj)
	got := c.getScale(t, ctx, "a")
	want, err := metav1.ParseToLabelSelector(c.Selector)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(scalescheme.ScaleStatus{Replicas: 2, Selector: want}, got.Status); diff != "" {
		t.Errorf("scale status (-want +got):\n%s", diff)
	}
}

func (c ScaleContract[T]) testUpdate(t *testing.T) {
	ctx := NewContext("update")
	created := c.create(t, ctx, "a")
	var seenByAdmission []runtime.Object
	validate := func(ctx context.Context, obj, old runtime.Object) error {
		seenByAdmission = append(seenByAdmission, obj, old)
		return nil
	}
	out, reportedCreate, err := c.Scale.Update(ctx, "a", ScaleTo{Replicas: c.ScaledReplicas}, rest.ValidateAllObjectFunc, validate, false, &metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("scale to %d: %v", c.ScaledReplicas, err)
	}
	if reportedCreate {
		t.Error("scale reported a create")
	}
	scale := out.(*scalescheme.Scale)
	stored := c.get(t, ctx, "a")
	if got := scale.Spec.Replicas; got != c.ScaledReplicas {
		t.Errorf("returned Scale spec.replicas = %d, want %d", got, c.ScaledReplicas)
	}
	if scale.ResourceVersion != stored.GetResourceVersion() || scale.ResourceVersion == created.GetResourceVersion() {
		t.Errorf("returned Scale resourceVersion %s, want the new one %s", scale.ResourceVersion, stored.GetResourceVersion())
	}
	if got := c.SpecReplicas(stored); got == nil || *got != c.ScaledReplicas {
		t.Errorf("stored spec.replicas = %v, want %d", got, c.ScaledReplicas)
	}
	if got := stored.GetGeneration(); got != 2 {
		t.Errorf("generation after a scale = %d, want 2", got)
	}
	// Admission of a scale request sees Scales, the request's kind.
	if len(seenByAdmission) != 2 {
		t.Fatalf("update validation called with %d objects, want 2", len(seenByAdmission))
	}
	newScale, okNew := seenByAdmission[0].(*scalescheme.Scale)
	oldScale, okOld := seenByAdmission[1].(*scalescheme.Scale)
	if !okNew || !okOld {
		t.Fatalf("update validation got a %T and a %T, want Scales", seenByAdmission[0], seenByAdmission[1])
	}
	if newScale.Spec.Replicas != c.ScaledReplicas || oldScale.Spec.Replicas != c.Replicas {
		t.Errorf("update validation saw replicas %d -> %d, want %d -> %d", oldScale.Spec.Replicas, newScale.Spec.Replicas, c.Replicas, c.ScaledReplicas)
	}

	// The same scale again changes nothing.
	again, err := ScaleUpdate(ctx, c.Scale, "a", ScaleTo{Replicas: c.ScaledReplicas}, nil)
	if err != nil {
		t.Fatalf("scale to the same count: %v", err)
	}
	if after := c.get(t, ctx, "a"); after.GetGeneration() != 2 || again.ResourceVersion != stored.GetResourceVersion() {
		t.Errorf("scale to the same count: generation %d, resourceVersion %s -> %s; want no change",
			after.GetGeneration(), stored.GetResourceVersion(), again.ResourceVersion)
	}
}

func (c ScaleContract[T]) testStaleResourceVersion(t *testing.T) {
	ctx := NewContext("stale")
	created := c.create(t, ctx, "a")
	if _, err := ScaleUpdate(ctx, c.Scale, "a", ScaleTo{Replicas: c.ScaledReplicas, ResourceVersion: created.GetResourceVersion()}, nil); err != nil {
		t.Fatalf("scale with the current resourceVersion: %v", err)
	}
	_, err := ScaleUpdate(ctx, c.Scale, "a", ScaleTo{Replicas: c.Replicas, ResourceVersion: created.GetResourceVersion()}, nil)
	if !apierrors.IsConflict(err) {
		t.Fatalf("scale with a stale resourceVersion: got %v, want Conflict", err)
	}
	if got := c.SpecReplicas(c.get(t, ctx, "a")); got == nil || *got != c.ScaledReplicas {
		t.Errorf("spec.replicas after a refused scale = %v, want %d", got, c.ScaledReplicas)
	}
}

func (c ScaleContract[T]) testUID(t *testing.T) {
	ctx := NewContext("uid")
	c.create(t, ctx, "a")
	_, err := ScaleUpdate(ctx, c.Scale, "a", ScaleTo{Replicas: c.ScaledReplicas, UID: "another-object"}, nil)
	if !apierrors.IsConflict(err) {
		t.Errorf("scale with another UID: got %v, want Conflict", err)
	}
}

func (c ScaleContract[T]) testNegative(t *testing.T) {
	ctx := NewContext("negative")
	c.create(t, ctx, "a")
	_, err := ScaleUpdate(ctx, c.Scale, "a", ScaleTo{Replicas: -1}, nil)
	CheckInvalid(t, err, "spec.replicas", "must be greater than or equal to 0")
	if status, ok := err.(apierrors.APIStatus); ok {
		if d := status.Status().Details; d == nil || d.Kind != "Scale" || d.Group != "autoscaling" {
			t.Errorf("details of the error %+v, want those of an autoscaling Scale", d)
		}
	}
}

func (c ScaleContract[T]) testMissing(t *testing.T) {
	ctx := NewContext("missing")
	_, err := ScaleUpdate(ctx, c.Scale, "missing", ScaleTo{Replicas: c.ScaledReplicas}, nil)
	if !apierrors.IsNotFound(err) {
		t.Errorf("scale of a missing object: got %v, want NotFound even with forceAllowCreate", err)
	}
}

func (c ScaleContract[T]) testDryRun(t *testing.T) {
	ctx := NewContext("dry-run")
	created := c.create(t, ctx, "a")
	scale, err := ScaleUpdate(ctx, c.Scale, "a", ScaleTo{Replicas: c.ScaledReplicas}, &metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}})
	if err != nil {
		t.Fatalf("dry-run scale: %v", err)
	}
	if scale.Spec.Replicas != c.ScaledReplicas {
		t.Errorf("dry-run Scale spec.replicas = %d, want %d", scale.Spec.Replicas, c.ScaledReplicas)
	}
	if diff := cmp.Diff(created, c.get(t, ctx, "a")); diff != "" {
		t.Errorf("a dry-run scale changed the object (-want +got):\n%s", diff)
	}
}

// Managed fields of a test object: "applier" applied spec.replicas, and
// "editor" updated the labels.
var (
	replicasFields = metav1.NewFieldsV1(`{"f:spec":{"f:replicas":{}}}`)
	labelFields    = metav1.NewFieldsV1(`{"f:metadata":{"f:labels":{"f:team":{}}}}`)
	mlVersion      = mlv1alpha1.SchemeGroupVersion.String()
	appliedEntry   = metav1.ManagedFieldsEntry{Manager: "applier", Operation: metav1.ManagedFieldsOperationApply, APIVersion: mlVersion, FieldsType: "FieldsV1", FieldsV1: replicasFields}
	editedEntry    = metav1.ManagedFieldsEntry{Manager: "editor", Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: mlVersion, FieldsType: "FieldsV1", FieldsV1: labelFields}
)

func (c ScaleContract[T]) testManagedFields(t *testing.T) {
	ctx := NewContext("managed")
	created := c.create(t, ctx, "a", func(o T) {
		o.SetLabels(map[string]string{"team": "vision"})
		o.SetManagedFields([]metav1.ManagedFieldsEntry{appliedEntry, editedEntry})
	})
	for i := range created.GetManagedFields() {
		if created.GetManagedFields()[i].Time != nil {
			t.Fatalf("created with times in managed fields: %+v", created.GetManagedFields())
		}
	}
	now := metav1.Now().Rfc3339Copy()
	var seen scalescheme.Scale
	_, err := ScaleUpdate(ctx, c.Scale, "a", ScaleTo{
		Replicas: c.ScaledReplicas,
		Seen:     &seen,
		// What the field manager of a `kubectl scale` does: the scaler
		// takes spec.replicas of the Scale from its owner.
		ManagedFields: func([]metav1.ManagedFieldsEntry) []metav1.ManagedFieldsEntry {
			return []metav1.ManagedFieldsEntry{{
				Manager: "scaler", Operation: metav1.ManagedFieldsOperationUpdate, Subresource: "scale",
				APIVersion: "autoscaling/v1", Time: &now, FieldsType: "FieldsV1", FieldsV1: replicasFields,
			}}
		},
	}, nil)
	if err != nil {
		t.Fatalf("scale: %v", err)
	}

	// The request started from the owners of spec.replicas, in Scale terms.
	wantSeen := []metav1.ManagedFieldsEntry{{
		Manager: "applier", Operation: metav1.ManagedFieldsOperationApply,
		APIVersion: "autoscaling/v1", FieldsType: "FieldsV1", FieldsV1: replicasFields,
	}}
	if diff := cmp.Diff(wantSeen, seen.ManagedFields); diff != "" {
		t.Errorf("managed fields of the Scale before the scale (-want +got):\n%s", diff)
	}
	// The object's spec.replicas now belongs to the scaler, recorded in the
	// object's version, with the scale's time; the applier no longer owns
	// anything and the editor keeps the labels.
	want := []metav1.ManagedFieldsEntry{
		editedEntry,
		{
			Manager: "scaler", Operation: metav1.ManagedFieldsOperationUpdate, Subresource: "scale",
			APIVersion: mlVersion, Time: &now, FieldsType: "FieldsV1", FieldsV1: replicasFields,
		},
	}
	if diff := cmp.Diff(want, c.get(t, ctx, "a").GetManagedFields()); diff != "" {
		t.Errorf("managed fields after the scale (-want +got):\n%s", diff)
	}
}

func (c ScaleContract[T]) testUnownedReplicas(t *testing.T) {
	ctx := NewContext("unowned")
	// Nobody owns spec.replicas (it was defaulted), but the object tracks
	// managed fields: the Scale must have some, or the request's field
	// manager would not record the scaler.
	c.create(t, ctx, "a", func(o T) {
		o.SetLabels(map[string]string{"team": "vision"})
		o.SetManagedFields([]metav1.ManagedFieldsEntry{editedEntry})
	})
	var seen scalescheme.Scale
	if _, err := ScaleUpdate(ctx, c.Scale, "a", ScaleTo{Replicas: c.ScaledReplicas, Seen: &seen}, nil); err != nil {
		t.Fatalf("scale: %v", err)
	}
	if len(seen.ManagedFields) != 1 || seen.ManagedFields[0].FieldsV1 == nil || seen.ManagedFields[0].FieldsV1.GetRawString() != "{}" {
		t.Errorf("managed fields of a Scale of unowned replicas = %+v, want one entry owning nothing", seen.ManagedFields)
	}
	// The placeholder owns nothing, so it never reaches the object.
	if diff := cmp.Diff([]metav1.ManagedFieldsEntry{editedEntry}, c.get(t, ctx, "a").GetManagedFields()); diff != "" {
		t.Errorf("managed fields after the scale (-want +got):\n%s", diff)
	}

	// An object that tracks no managed fields at all gets none either.
	c.create(t, ctx, "untracked")
	if _, err := ScaleUpdate(ctx, c.Scale, "untracked", ScaleTo{Replicas: c.ScaledReplicas, Seen: &seen}, nil); err != nil {
		t.Fatalf("scale: %v", err)
	}
	if len(seen.ManagedFields) != 0 {
		t.Errorf("managed fields of the Scale of an untracked object = %+v, want none", seen.ManagedFields)
	}
}

func (c ScaleContract[T]) testTable(t *testing.T) {
	ctx := NewContext("table")
	c.create(t, ctx, "a")
	table, err := c.Scale.ConvertToTable(ctx, c.getScale(t, ctx, "a"), nil)
	if err != nil {
		t.Fatalf("ConvertToTable: %v", err)
	}
	if diff := cmp.Diff([]string{"Name", "Desired", "Available", "Age"}, ColumnNames(table)); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}
	if len(table.Rows) != 1 || len(table.Rows[0].Cells) != 4 {
		t.Fatalf("rows %+v, want one of 4 cells", table.Rows)
	}
	if diff := cmp.Diff([]any{"a", int64(c.Replicas), int64(0)}, table.Rows[0].Cells[:3]); diff != "" {
		t.Errorf("cells (-want +got):\n%s", diff)
	}
}

// CheckInvalid fails the test unless err is a 422 Invalid error with a
// cause on field whose message contains each of wantInMessage.
func CheckInvalid(t *testing.T, err error, field string, wantInMessage ...string) {
	t.Helper()
	if !apierrors.IsInvalid(err) {
		t.Fatalf("got %v, want an Invalid error on %s", err, field)
	}
	status, ok := err.(apierrors.APIStatus)
	if !ok || status.Status().Details == nil {
		t.Fatalf("error %v has no details", err)
	}
	for _, cause := range status.Status().Details.Causes {
		if cause.Field != field {
			continue
		}
		missing := false
		for _, want := range wantInMessage {
			if !strings.Contains(cause.Message, want) {
				missing = true
			}
		}
		if !missing {
			return
		}
	}
	t.Errorf("error %q: want a cause on %s saying %q", err, field, wantInMessage)
}

// ScaleRule is one case of a kind's own scale rules: scaling Obj to
// Replicas either fails as Invalid on spec.replicas with each of WantErr in
// the message, or succeeds and Check looks at the returned Scale and the
// stored object.
type ScaleRule[T registryutil.Object] struct {
	Obj      T
	Replicas int32
	WantErr  []string
	Check    func(t *testing.T, scale *scalescheme.Scale, stored T)
}

// RunScaleRules creates each case's object in a namespace of its own and
// scales it through scale.
func RunScaleRules[T registryutil.Object](t *testing.T, store *genericregistry.Store, scale rest.Updater, tests map[string]ScaleRule[T]) {
	t.Helper()
	n := 0
	for name, tc := range tests {
		n++
		ns := fmt.Sprintf("rule-%d", n)
		t.Run(name, func(t *testing.T) {
			ctx := NewContext(ns)
			obj := tc.Obj.DeepCopyObject().(T)
			obj.SetNamespace(ns)
			if _, err := store.Create(ctx, obj, rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); err != nil {
				t.Fatalf("create: %v", err)
			}
			got, err := ScaleUpdate(ctx, scale, obj.GetName(), ScaleTo{Replicas: tc.Replicas}, nil)
			if tc.WantErr != nil {
				CheckInvalid(t, err, "spec.replicas", tc.WantErr...)
				return
			}
			if err != nil {
				t.Fatalf("scale to %d: %v", tc.Replicas, err)
			}
			stored, err := store.Get(ctx, obj.GetName(), &metav1.GetOptions{})
			if err != nil {
				t.Fatalf("get: %v", err)
			}
			if tc.Check != nil {
				tc.Check(t, got, stored.(T))
			}
		})
	}
}
