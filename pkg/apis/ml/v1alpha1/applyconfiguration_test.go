package v1alpha1_test

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
	"ml.example.io/ml-apiserver/pkg/generated/applyconfiguration"
	mlapply "ml.example.io/ml-apiserver/pkg/generated/applyconfiguration/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/fake"
)

// The generated apply configurations carry the typed schema of every kind,
// under the names the scheme gives them (the OpenAPI model names), so that
// their type converter, the fake clientset's server-side apply and the
// Extract functions work field by field rather than on untyped values.
func TestApplyConfigurationSchema(t *testing.T) {
	tc := applyconfiguration.NewTypeConverter(scheme.Scheme)
	for _, obj := range []runtime.Object{
		&mlv1alpha1.Pipeline{}, &mlv1alpha1.PipelineRun{}, &mlv1alpha1.TrainingJob{}, &mlv1alpha1.Model{}, &mlv1alpha1.Notebook{},
	} {
		gvks, _, err := scheme.Scheme.ObjectKinds(obj)
		if err != nil {
			t.Fatal(err)
		}
		obj.GetObjectKind().SetGroupVersionKind(gvks[0])
		typed, err := tc.ObjectToTyped(obj)
		if err != nil {
			t.Errorf("%s: the type converter has no schema for it: %v", gvks[0].Kind, err)
			continue
		}
		if typed.Schema() == nil {
			t.Errorf("%s: no schema", gvks[0].Kind)
		}
	}
}

func TestFakeClientsetServerSideApply(t *testing.T) {
	ctx := t.Context()
	cs := fake.NewClientset()
	jobs := cs.MlV1alpha1().TrainingJobs("ns")
	apply := func(manager string, cfg *mlapply.TrainingJobApplyConfiguration) *mlv1alpha1.TrainingJob {
		t.Helper()
		job, err := jobs.Apply(ctx, cfg, metav1.ApplyOptions{FieldManager: manager, Force: true})
		if err != nil {
			t.Fatalf("apply as %s: %v", manager, err)
		}
		return job
	}
	apply("trainer", mlapply.TrainingJob("mnist", "ns").WithSpec(mlapply.TrainingJobSpec().
		WithFramework(mlv1alpha1.FrameworkPyTorch).WithReplicas(2).WithImage("pytorch:2").WithArgs("--epochs=3")))
	job := apply("scaler", mlapply.TrainingJob("mnist", "ns").WithSpec(mlapply.TrainingJobSpec().WithReplicas(4)))
	if got := ptr.Deref(job.Spec.Replicas, 0); got != 4 || job.Spec.Image != "pytorch:2" {
		t.Errorf("after two appliers: replicas %d image %q, want 4 and the first applier's image", got, job.Spec.Image)
	}

	// Each manager's own fields, field by field.
	mine, err := mlapply.ExtractTrainingJob(job, "trainer")
	if err != nil {
		t.Fatal(err)
	}
	if mine.Spec == nil || mine.Spec.Image == nil || *mine.Spec.Image != "pytorch:2" || mine.Spec.Replicas != nil {
		t.Errorf("trainer's fields: %+v, want its image and not the replicas the scaler took", mine.Spec)
	}
	scaler, err := mlapply.ExtractTrainingJob(job, "scaler")
	if err != nil {
		t.Fatal(err)
	}
	if scaler.Spec == nil || ptr.Deref(scaler.Spec.Replicas, 0) != 4 || scaler.Spec.Image != nil {
		t.Errorf("scaler's fields: %+v, want only replicas 4", scaler.Spec)
	}
}
