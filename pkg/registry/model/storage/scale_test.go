package storage

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
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
	const selector = "ml.example.io/model=a"
	s := newStorage(t, generic.UndecoratedStorage)
	registrytest.ScaleContract[*ml.Model]{
		Store:       s.Model.Store,
		StatusStore: s.Status,
		Scale:       s.Scale,
		New: func(name string) *ml.Model {
			return mltesting.MakeModel(name, registrytest.Namespace).Replicas(2).Obj()
		},
		Replicas:       2,
		ScaledReplicas: 5,
		SpecReplicas:   func(m *ml.Model) *int32 { return m.Spec.Replicas },
		NameLabel:      "ml.example.io/model",
		SetStatus: func(m *ml.Model) {
			m.Status.Replicas = 2
			m.Status.Selector = selector
		},
		Selector: selector,
	}.Run(t)
}

// TestScaleRules checks that a Model scales to any count, zero included.
func TestScaleRules(t *testing.T) {
	s := newStorage(t, generic.UndecoratedStorage)
	model := func() *ml.Model { return mltesting.MakeModel("model", registrytest.Namespace).Replicas(2).Obj() }
	scaledTo := func(want int32) func(*testing.T, *scalescheme.Scale, *ml.Model) {
		return func(t *testing.T, scale *scalescheme.Scale, stored *ml.Model) {
			if scale.Spec.Replicas != want || ptr.Deref(stored.Spec.Replicas, -1) != want {
				t.Errorf("Scale spec.replicas %d, stored spec.replicas %v; want %d", scale.Spec.Replicas, stored.Spec.Replicas, want)
			}
		}
	}
	registrytest.RunScaleRules(t, s.Model.Store, s.Scale, map[string]registrytest.ScaleRule[*ml.Model]{
		"up":       {Obj: model(), Replicas: 10, Check: scaledTo(10)},
		"down":     {Obj: model(), Replicas: 1, Check: scaledTo(1)},
		"to zero":  {Obj: model(), Replicas: 0, Check: scaledTo(0)},
		"negative": {Obj: model(), Replicas: -2, WantErr: []string{"Invalid value: -2", "must be greater than or equal to 0"}},
	})
}

func TestScaleOf(t *testing.T) {
	tests := map[string]struct {
		model      *ml.Model
		wantSpec   scalescheme.ScaleSpec
		wantStatus scalescheme.ScaleStatus
	}{
		"before the controller reports a selector": {
			model:    mltesting.MakeModel("mnist", "ns").Replicas(3).StatusReplicas(2, 2, 0).Obj(),
			wantSpec: scalescheme.ScaleSpec{Replicas: 3},
			wantStatus: scalescheme.ScaleStatus{Replicas: 2, Selector: &metav1.LabelSelector{
				MatchLabels: map[string]string{"ml.example.io/model": "mnist"},
			}},
		},
		"with the controller's selector": {
			model: func() *ml.Model {
				m := mltesting.MakeModel("mnist", "ns").Replicas(0).Obj()
				m.Status.Selector = "serving=mnist"
				return m
			}(),
			wantStatus: scalescheme.ScaleStatus{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"serving": "mnist"}}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := registryutil.ScaleOf(tc.model, scaler)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantSpec, got.Spec); diff != "" {
				t.Errorf("spec (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantStatus, got.Status, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
		})
	}
}
