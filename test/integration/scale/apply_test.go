package scale

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlapply "ml.example.io/ml-apiserver/pkg/generated/applyconfiguration/ml/v1alpha1"
)

var replicasPath = fieldpath.MakePathOrDie("spec", "replicas")

// owners returns the managers (manager, or manager/subresource) whose
// managed fields hold spec.replicas.
func owners(t *testing.T, obj mltesting.Object) []string {
	t.Helper()
	var out []string
	for _, e := range obj.GetManagedFields() {
		if e.FieldsV1 == nil {
			continue
		}
		var set fieldpath.Set
		if err := set.FromJSON(bytes.NewReader(e.FieldsV1.GetRawBytes())); err != nil {
			t.Fatalf("managed fields of %s: %v", e.Manager, err)
		}
		if set.Has(replicasPath) {
			name := e.Manager
			if e.Subresource != "" {
				name += "/" + e.Subresource
			}
			out = append(out, name)
		}
	}
	return out
}

// modelApply is the apply configuration of a Model asking for replicas,
// or leaving them to the server's default when replicas is negative.
func modelApply(name, ns string, replicas int32) *mlapply.ModelApplyConfiguration {
	spec := mlapply.ModelSpec().
		WithSource(mlapply.ModelSource().WithURI("s3://models/" + name)).
		WithRuntime(mlapply.ModelRuntime().WithImage(mltesting.ServingImage))
	if replicas >= 0 {
		spec.WithReplicas(replicas)
	}
	return mlapply.Model(name, ns).WithSpec(spec)
}

// TestServerSideApply checks that the managed fields of spec.replicas stay
// consistent with server-side apply: a scale takes spec.replicas from its
// applier, who then conflicts when applying another count, and an apply of
// the Scale itself owns it too.
func TestServerSideApply(t *testing.T) {
	ctx, cs, ns := setup(t)
	models := cs.MlV1alpha1().Models(ns)
	if _, err := models.Apply(ctx, modelApply("m", ns, 2), metav1.ApplyOptions{FieldManager: "deployer"}); err != nil {
		t.Fatalf("apply: %v", err)
	}
	if _, err := models.UpdateScale(ctx, "m", &autoscalingv1.Scale{
		ObjectMeta: metav1.ObjectMeta{Name: "m", Namespace: ns},
		Spec:       autoscalingv1.ScaleSpec{Replicas: 4},
	}, metav1.UpdateOptions{FieldManager: "scaler"}); err != nil {
		t.Fatalf("scale: %v", err)
	}
	m, err := models.Get(ctx, "m", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"scaler/scale"}, owners(t, m)); diff != "" {
		t.Errorf("owners of spec.replicas after a scale (-want +got):\n%s", diff)
	}
	for _, e := range m.ManagedFields {
		if e.Manager == "scaler" && (e.APIVersion != "ml.example.io/v1alpha1" || e.Operation != metav1.ManagedFieldsOperationUpdate || e.Time == nil) {
			t.Errorf("scaler's entry %+v: want an Update in ml.example.io/v1alpha1 with a time", e)
		}
	}

	// The deployer no longer owns the replicas: applying its old count
	// conflicts with the scaler.
	_, err = models.Apply(ctx, modelApply("m", ns, 2), metav1.ApplyOptions{FieldManager: "deployer"})
	if !apierrors.IsConflict(err) {
		t.Fatalf("apply of another count after a scale: got %v, want a Conflict", err)
	}
	want := []metav1.StatusCause{{
		Type:    metav1.CauseTypeFieldManagerConflict,
		Message: `conflict with "scaler" with subresource "scale" using ml.example.io/v1alpha1`,
		Field:   ".spec.replicas",
	}}
	if diff := cmp.Diff(want, err.(apierrors.APIStatus).Status().Details.Causes); diff != "" {
		t.Errorf("conflict causes (-want +got):\n%s", diff)
	}

	// Server-side apply of the Scale, as an autoscaler may do, forcing the
	// conflict with the scaler.
	scale, _ := json.Marshal(map[string]any{
		"apiVersion": "autoscaling/v1", "kind": "Scale",
		"metadata": map[string]any{"name": "m", "namespace": ns},
		"spec":     map[string]any{"replicas": 6},
	})
	err = cs.MlV1alpha1().RESTClient().Patch(types.ApplyPatchType).Namespace(ns).Resource("models").Name("m").SubResource("scale").
		Param("fieldManager", "autoscaler").Param("force", "true").Body(scale).Do(ctx).Error()
	if err != nil {
		t.Fatalf("apply the Scale: %v", err)
	}
	if m, err = models.Get(ctx, "m", metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := ptr.Deref(m.Spec.Replicas, -1); got != 6 {
		t.Errorf("spec.replicas after applying the Scale = %d, want 6", got)
	}
	if diff := cmp.Diff([]string{"autoscaler/scale"}, owners(t, m)); diff != "" {
		t.Errorf("owners of spec.replicas after applying the Scale (-want +got):\n%s", diff)
	}
	// Forcing takes the replicas back for the deployer.
	if _, err := models.Apply(ctx, modelApply("m", ns, 2), metav1.ApplyOptions{FieldManager: "deployer", Force: true}); err != nil {
		t.Fatalf("forced apply: %v", err)
	}
	if m, err = models.Get(ctx, "m", metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"deployer"}, owners(t, m)); diff != "" {
		t.Errorf("owners of spec.replicas after a forced apply (-want +got):\n%s", diff)
	}
}

// TestScaleOfUnownedReplicas checks that a scale owns spec.replicas even
// when nobody did before: an object applied without them (defaulted).
func TestScaleOfUnownedReplicas(t *testing.T) {
	ctx, cs, ns := setup(t)
	models := cs.MlV1alpha1().Models(ns)
	created, err := models.Apply(ctx, modelApply("m", ns, -1), metav1.ApplyOptions{FieldManager: "deployer"})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	if got := owners(t, created); len(got) != 0 {
		t.Fatalf("owners of defaulted spec.replicas = %v, want none", got)
	}
	if _, err := models.UpdateScale(ctx, "m", &autoscalingv1.Scale{
		ObjectMeta: metav1.ObjectMeta{Name: "m", Namespace: ns},
		Spec:       autoscalingv1.ScaleSpec{Replicas: 3},
	}, metav1.UpdateOptions{FieldManager: "scaler"}); err != nil {
		t.Fatalf("scale: %v", err)
	}
	m, err := models.Get(ctx, "m", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"scaler/scale"}, owners(t, m)); diff != "" {
		t.Errorf("owners of spec.replicas after a scale (-want +got):\n%s", diff)
	}
	if _, err := models.Apply(ctx, modelApply("m", ns, 1), metav1.ApplyOptions{FieldManager: "deployer"}); !apierrors.IsConflict(err) {
		t.Errorf("apply of another count after a scale: got %v, want a Conflict", err)
	}
}
