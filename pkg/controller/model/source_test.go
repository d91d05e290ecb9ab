package model

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/controllertest"
	mlfake "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/fake"
	mlinformers "ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
)

func TestResolveSource(t *testing.T) {
	ref := func(name string) mlv1alpha1.ModelSource {
		return mlv1alpha1.ModelSource{TrainingJobRef: &mlv1alpha1.LocalObjectReference{Name: name}}
	}
	factory := mlinformers.NewSharedInformerFactory(mlfake.NewClientset(), 0)
	for _, j := range []*mlv1alpha1.TrainingJob{
		job("running", mlv1alpha1.TrainingJobRunning, "s3://out/running"),
		job("new", "", "s3://out/new"),
		job("failed", mlv1alpha1.TrainingJobFailed, "s3://out/failed"),
		job("done", mlv1alpha1.TrainingJobSucceeded, "s3://out/done"),
		job("done-nowhere", mlv1alpha1.TrainingJobSucceeded, ""),
	} {
		if err := factory.Ml().V1alpha1().TrainingJobs().Informer().GetIndexer().Add(j); err != nil {
			t.Fatal(err)
		}
	}
	lister := factory.Ml().V1alpha1().TrainingJobs().Lister()
	cases := []struct {
		name string
		src  mlv1alpha1.ModelSource
		want resolution
	}{
		{"uri", mlv1alpha1.ModelSource{URI: "pvc://models/a"}, resolution{URI: "pvc://models/a", Reason: ReasonResolved, Message: "Serving pvc://models/a"}},
		{"nothing", mlv1alpha1.ModelSource{}, resolution{Reason: ReasonNoSource, Message: "spec.source sets none of uri, trainingJobRef and artifact", Final: true}},
		{"missing job", ref("gone"), resolution{Reason: ReasonTrainingJobNotFound, Message: "Waiting for TrainingJob gone to exist"}},
		{"running job", ref("running"), resolution{Reason: ReasonTrainingJobNotSucceeded, Message: "Waiting for TrainingJob running to succeed (it is Running)"}},
		{"job without a phase yet", ref("new"), resolution{Reason: ReasonTrainingJobNotSucceeded, Message: "Waiting for TrainingJob new to succeed (it is Pending)"}},
		{"failed job", ref("failed"), resolution{Reason: ReasonTrainingJobFailed, Message: "TrainingJob failed failed", Final: true}},
		{"succeeded job", ref("done"), resolution{URI: "s3://out/done", Reason: ReasonResolved, Message: "Serving s3://out/done, the output of TrainingJob done"}},
		{"succeeded job without output", ref("done-nowhere"), resolution{
			Reason: ReasonNoOutputURI, Message: "TrainingJob done-nowhere succeeded but sets no spec.outputURI to load the model from", Final: true,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := resolveSource(tc.src, "ns", producers{jobs: lister})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(resolution{})); diff != "" {
				t.Errorf("resolution (-want +got):\n%s", diff)
			}
		})
	}
}

// TestKeepResolved checks that a model keeps serving the output of a
// TrainingJob deleted after it succeeded, but not after its spec changed.
func TestKeepResolved(t *testing.T) {
	f := newFixture(t, makeModel("a").fromJob("train").obj(), job("train", mlv1alpha1.TrainingJobSucceeded, "s3://out/train"))
	f.sync()
	if got := f.model().Status.ModelURI; got != "s3://out/train" {
		t.Fatalf("status.modelURI = %q", got)
	}
	if err := f.ML.MlV1alpha1().TrainingJobs("ns").Delete(f.Ctx, "train", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.sync()
	m := f.model()
	c := meta.FindStatusCondition(m.Status.Conditions, ConditionSourceResolved)
	if m.Status.ModelURI != "s3://out/train" || c == nil || c.Status != metav1.ConditionTrue || m.Status.Phase == mlv1alpha1.ModelPending {
		t.Errorf("after the job was deleted: %+v", m.Status)
	}
	if got := controllertest.Env(f.deployment("a").Spec.Template.Spec.Containers[0], "ML_MODEL_URI"); got != "s3://out/train" {
		t.Errorf("ML_MODEL_URI = %q", got)
	}

	// A new spec needs its source again.
	f.update(func(m *mlv1alpha1.Model) { m.Spec.Replicas = ptr.To[int32](2) })
	f.sync()
	if c := meta.FindStatusCondition(f.model().Status.Conditions, ConditionSourceResolved); c.Status != metav1.ConditionFalse || c.Reason != ReasonTrainingJobNotFound {
		t.Errorf("SourceResolved after a spec change without the job = %+v", c)
	}
}
