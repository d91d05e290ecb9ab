package storage

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/registry/generic"
	scalescheme "k8s.io/client-go/scale/scheme"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/registry/registrytest"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

func TestScaleStorage(t *testing.T) {
	const selector = "ml.example.io/trainingjob=a,ml.example.io/role in (worker)"
	s := newStorage(t, generic.UndecoratedStorage)
	registrytest.ScaleContract[*ml.TrainingJob]{
		Store:       s.TrainingJob.Store,
		StatusStore: s.Status,
		Scale:       s.Scale,
		New: func(name string) *ml.TrainingJob {
			return mltesting.MakeTrainingJob(name, registrytest.Namespace).Replicas(2).Elastic(1, 4).Obj()
		},
		Replicas:       2,
		ScaledReplicas: 3,
		SpecReplicas:   func(j *ml.TrainingJob) *int32 { return j.Spec.Replicas },
		NameLabel:      "ml.example.io/trainingjob",
		SetStatus: func(j *ml.TrainingJob) {
			j.Status.Replicas = 2
			j.Status.Selector = selector
		},
		Selector: selector,
	}.Run(t)
}

// TestScaleRules checks which replica counts a TrainingJob may be scaled
// to: only inside its elastic bounds, and only when it is elastic.
func TestScaleRules(t *testing.T) {
	s := newStorage(t, generic.UndecoratedStorage)
	job := func() *mltesting.TrainingJobWrapper {
		return mltesting.MakeTrainingJob("job", registrytest.Namespace).Replicas(2)
	}
	scaledTo := func(want int32) func(*testing.T, *scalescheme.Scale, *ml.TrainingJob) {
		return func(t *testing.T, scale *scalescheme.Scale, stored *ml.TrainingJob) {
			if scale.Spec.Replicas != want || ptr.Deref(stored.Spec.Replicas, -1) != want {
				t.Errorf("Scale spec.replicas %d, stored spec.replicas %v; want %d", scale.Spec.Replicas, stored.Spec.Replicas, want)
			}
		}
	}
	const bounds = "must be between spec.elastic.minReplicas (2) and spec.elastic.maxReplicas (4)"
	registrytest.RunScaleRules(t, s.TrainingJob.Store, s.Scale, map[string]registrytest.ScaleRule[*ml.TrainingJob]{
		"inside the bounds": {Obj: job().Elastic(2, 4).Obj(), Replicas: 3, Check: scaledTo(3)},
		"to maxReplicas":    {Obj: job().Elastic(2, 4).Obj(), Replicas: 4, Check: scaledTo(4)},
		"to minReplicas":    {Obj: job().Elastic(2, 4).Obj(), Replicas: 2, Check: scaledTo(2)},
		"above maxReplicas": {Obj: job().Elastic(2, 4).Obj(), Replicas: 5, WantErr: []string{"Invalid value: 5", bounds}},
		"below minReplicas": {Obj: job().Elastic(2, 4).Obj(), Replicas: 1, WantErr: []string{bounds}},
		"to zero":           {Obj: job().Elastic(2, 4).Obj(), Replicas: 0, WantErr: []string{"must be greater than or equal to 1"}},
		"no maxReplicas": {
			Obj:      job().ElasticPolicy(ml.ElasticPolicy{MinReplicas: ptr.To[int32](2)}).Obj(),
			Replicas: 16, Check: scaledTo(16),
		},
		"below minReplicas without maxReplicas": {
			Obj:      job().ElasticPolicy(ml.ElasticPolicy{MinReplicas: ptr.To[int32](2)}).Obj(),
			Replicas: 1, WantErr: []string{"must be greater than or equal to spec.elastic.minReplicas (2)"},
		},
		"not elastic": {
			Obj: job().Obj(), Replicas: 3,
			WantErr: []string{"immutable unless the job is elastic", "set spec.elastic"},
		},
		"not elastic, same count": {Obj: job().Obj(), Replicas: 2, Check: scaledTo(2)},
	})
}

func TestScaleOf(t *testing.T) {
	tests := map[string]struct {
		job        *ml.TrainingJob
		wantSpec   scalescheme.ScaleSpec
		wantStatus scalescheme.ScaleStatus
	}{
		"before the controller reports a selector": {
			job:      mltesting.MakeTrainingJob("resnet", "ns").Replicas(3).Elastic(1, 4).StatusReplicas(2, 1).Obj(),
			wantSpec: scalescheme.ScaleSpec{Replicas: 3},
			wantStatus: scalescheme.ScaleStatus{Replicas: 2, Selector: &metav1.LabelSelector{
				MatchLabels: map[string]string{"ml.example.io/trainingjob": "resnet"},
			}},
		},
		"with the controller's selector": {
			job:      mltesting.MakeTrainingJob("resnet", "ns").Selector("app=resnet,tier in (train)").Obj(),
			wantSpec: scalescheme.ScaleSpec{Replicas: 1},
			wantStatus: scalescheme.ScaleStatus{Selector: &metav1.LabelSelector{
				MatchLabels:      map[string]string{"app": "resnet"},
				MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"train"}}},
			}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := registryutil.ScaleOf(tc.job, scaler)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantSpec, got.Spec); diff != "" {
				t.Errorf("spec (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantStatus, got.Status); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
		})
	}
}
