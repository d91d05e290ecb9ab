package storage

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/registry/generic"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/registry/logs"
	"ml.example.io/ml-apiserver/pkg/registry/metrics"
	"ml.example.io/ml-apiserver/pkg/registry/registrytest"
)

func newStorage(t *testing.T, decorator generic.StorageDecorator) ModelStorage {
	t.Helper()
	s, err := NewStorage(registrytest.NewStorageOptions(t, "models", decorator), logs.Deps{}, metrics.Deps{})
	if err != nil {
		t.Fatalf("NewStorage: %v", err)
	}
	t.Cleanup(s.Model.Destroy)
	return s
}

func TestStorage(t *testing.T) {
	for backend, decorator := range registrytest.Backends {
		t.Run(backend, func(t *testing.T) {
			s := newStorage(t, decorator)
			registrytest.StorageContract[*ml.Model]{
				Store:       s.Model.Store,
				StatusStore: s.Status,
				New: func(name string) *ml.Model {
					return mltesting.MakeModel(name, registrytest.Namespace).SourceTrainingJob("train").Obj()
				},
				ChangeSpec: func(m *ml.Model) {
					m.Spec.Canary = &ml.CanarySpec{Source: ml.ModelSource{URI: "s3://models/v2"}, TrafficPercent: 10}
				},
				SetStatus: func(m *ml.Model) {
					m.Status.Phase = ml.ModelReady
					m.Status.ObservedGeneration = 1
					m.Status.URL = "http://resnet.team-a.svc:8080"
					m.Status.Replicas, m.Status.ReadyReplicas = 1, 1
					m.Status.Conditions = []metav1.Condition{mltesting.Condition("Ready", metav1.ConditionTrue, "DeploymentAvailable")}
				},
				Phase:    string(ml.ModelReady),
				SpecOf:   func(m *ml.Model) any { return m.Spec },
				StatusOf: func(m *ml.Model) any { return m.Status },
			}.Run(t)
		})
	}
}

func TestDiscovery(t *testing.T) {
	s := newStorage(t, generic.UndecoratedStorage)
	if diff := cmp.Diff([]string{"mdl"}, s.Model.ShortNames()); diff != "" {
		t.Errorf("short names (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"ml"}, s.Model.Categories()); diff != "" {
		t.Errorf("categories (-want +got):\n%s", diff)
	}
}

func TestTable(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	created := func(m *ml.Model) *ml.Model {
		m.CreationTimestamp = metav1.NewTime(now.Add(-45 * time.Second))
		return m
	}
	tests := map[string]struct {
		obj  *ml.Model
		want []any
	}{
		"ready model from a training job with a canary": {
			obj: func() *ml.Model {
				m := created(mltesting.MakeModel("resnet", "ns").SourceTrainingJob("train").Replicas(3).
					Canary(ml.ModelSource{URI: "s3://models/v2"}, 25).Phase(ml.ModelReady).StatusReplicas(3, 2, 1).Obj())
				m.Status.URL = "http://resnet.ns.svc:8080"
				return m
			}(),
			want: []any{"resnet", "Ready", "2/3", "http://resnet.ns.svc:8080", "45s", "trainingjob/train", "25%"},
		},
		"new model from a URI": {
			obj:  created(mltesting.MakeModel("bert", "ns").SourceURI("s3://models/bert").Obj()),
			want: []any{"bert", "", "0/1", "", "45s", "s3://models/bert", ""},
		},
	}
	convertor := newTableConvertor()
	convertor.Now = func() time.Time { return now }
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			table, err := convertor.ConvertToTable(registrytest.NewContext("ns"), tc.obj, nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"Name", "Phase", "Ready", "URL", "Age", "Source", "Canary"}, registrytest.ColumnNames(table)); diff != "" {
				t.Errorf("columns (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"Source", "Canary"}, registrytest.WideColumnNames(table)); diff != "" {
				t.Errorf("wide columns (-want +got):\n%s", diff)
			}
			if len(table.Rows) != 1 {
				t.Fatalf("got %d rows, want 1", len(table.Rows))
			}
			if diff := cmp.Diff(tc.want, table.Rows[0].Cells); diff != "" {
				t.Errorf("cells (-want +got):\n%s", diff)
			}
		})
	}
}
