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
	const selector = "ml.example.io/notebook=a"
	s := newStorage(t, generic.UndecoratedStorage)
	registrytest.ScaleContract[*ml.Notebook]{
		Store:       s.Notebook.Store,
		StatusStore: s.Status,
		Scale:       s.Scale,
		New: func(name string) *ml.Notebook {
			return mltesting.MakeNotebook(name, registrytest.Namespace).Obj()
		},
		Replicas:       1,
		ScaledReplicas: 0,
		SpecReplicas:   func(nb *ml.Notebook) *int32 { return nb.Spec.Replicas },
		NameLabel:      "ml.example.io/notebook",
		SetStatus: func(nb *ml.Notebook) {
			nb.Status.Replicas = 2 // the contract's count; never more than 1 for real
			nb.Status.Selector = selector
		},
		Selector: selector,
	}.Run(t)
}

// TestScaleRules checks that a Notebook scales to 0 or 1 only, and that
// scaling stops and starts it.
func TestScaleRules(t *testing.T) {
	s := newStorage(t, generic.UndecoratedStorage)
	notebook := func() *mltesting.NotebookWrapper { return mltesting.MakeNotebook("nb", registrytest.Namespace) }
	scaledTo := func(replicas int32, stopped bool) func(*testing.T, *scalescheme.Scale, *ml.Notebook) {
		return func(t *testing.T, scale *scalescheme.Scale, stored *ml.Notebook) {
			if scale.Spec.Replicas != replicas {
				t.Errorf("Scale spec.replicas = %d, want %d", scale.Spec.Replicas, replicas)
			}
			if got := ptr.Deref(stored.Spec.Replicas, -1); got != replicas || stored.Spec.Stopped != stopped {
				t.Errorf("stored spec.replicas %d, spec.stopped %t; want %d and %t", got, stored.Spec.Stopped, replicas, stopped)
			}
		}
	}
	registrytest.RunScaleRules(t, s.Notebook.Store, s.Scale, map[string]registrytest.ScaleRule[*ml.Notebook]{
		"stop":                      {Obj: notebook().Obj(), Replicas: 0, Check: scaledTo(0, true)},
		"start":                     {Obj: notebook().Replicas(0).Stopped(true).Obj(), Replicas: 1, Check: scaledTo(1, false)},
		"start one stopped by spec": {Obj: notebook().Stopped(true).Obj(), Replicas: 1, Check: scaledTo(1, false)},
		"stop a stopped one":        {Obj: notebook().Replicas(0).Stopped(true).Obj(), Replicas: 0, Check: scaledTo(0, true)},
		"stop one scaled to zero":   {Obj: notebook().Replicas(0).Obj(), Replicas: 0, Check: scaledTo(0, true)},
		"two":                       {Obj: notebook().Obj(), Replicas: 2, WantErr: []string{"Invalid value: 2", "must be 0 or 1"}},
		"negative":                  {Obj: notebook().Obj(), Replicas: -1, WantErr: []string{"must be greater than or equal to 0"}},
	})
}

func TestScaleOf(t *testing.T) {
	tests := map[string]struct {
		notebook     *ml.Notebook
		wantReplicas int32
	}{
		"running":              {notebook: mltesting.MakeNotebook("nb", "ns").Obj(), wantReplicas: 1},
		"scaled to zero":       {notebook: mltesting.MakeNotebook("nb", "ns").Replicas(0).Obj(), wantReplicas: 0},
		"stopped through spec": {notebook: mltesting.MakeNotebook("nb", "ns").Stopped(true).Obj(), wantReplicas: 0},
		"stopped and zero":     {notebook: mltesting.MakeNotebook("nb", "ns").Replicas(0).Stopped(true).Obj(), wantReplicas: 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := registryutil.ScaleOf(tc.notebook, scaler)
			if err != nil {
				t.Fatal(err)
			}
			if got.Spec.Replicas != tc.wantReplicas {
				t.Errorf("spec.replicas = %d, want %d", got.Spec.Replicas, tc.wantReplicas)
			}
			want := &metav1.LabelSelector{MatchLabels: map[string]string{"ml.example.io/notebook": "nb"}}
			if diff := cmp.Diff(want, got.Status.Selector); diff != "" {
				t.Errorf("selector (-want +got):\n%s", diff)
			}
		})
	}
}
