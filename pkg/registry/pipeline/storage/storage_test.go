package storage

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/registry/generic"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/registry/registrytest"
)

func newStorage(t *testing.T, decorator generic.StorageDecorator) PipelineStorage {
	t.Helper()
	s, err := NewStorage(registrytest.NewStorageOptions(t, "pipelines", decorator))
	if err != nil {
		t.Fatalf("NewStorage: %v", err)
	}
	t.Cleanup(s.Pipeline.Destroy)
	return s
}

func TestStorage(t *testing.T) {
	for backend, decorator := range registrytest.Backends {
		t.Run(backend, func(t *testing.T) {
			s := newStorage(t, decorator)
			registrytest.StorageContract[*ml.Pipeline]{
				Store:       s.Pipeline.Store,
				StatusStore: s.Status,
				New: func(name string) *ml.Pipeline {
					return mltesting.MakePipeline(name, registrytest.Namespace).Tasks(mltesting.MakeTask("fit").Obj()).Obj()
				},
				ChangeSpec: func(p *ml.Pipeline) { p.Spec.Description = "fits a model" },
				SetStatus: func(p *ml.Pipeline) {
					p.Status.Phase = "Valid"
					p.Status.ObservedGeneration = 1
					p.Status.Conditions = []metav1.Condition{mltesting.Condition("Valid", metav1.ConditionTrue, "TasksResolved")}
				},
				Phase:    "Valid",
				SpecOf:   func(p *ml.Pipeline) any { return p.Spec },
				StatusOf: func(p *ml.Pipeline) any { return p.Status },
			}.Run(t)
		})
	}
}

func TestDiscovery(t *testing.T) {
	s := newStorage(t, generic.UndecoratedStorage)
	if diff := cmp.Diff([]string{"pl"}, s.Pipeline.ShortNames()); diff != "" {
		t.Errorf("short names (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"ml"}, s.Pipeline.Categories()); diff != "" {
		t.Errorf("categories (-want +got):\n%s", diff)
	}
}

func TestTable(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	convertor := newTableConvertor()
	convertor.Now = func() time.Time { return now }

	tests := map[string]struct {
		obj  *ml.Pipeline
		want []any
	}{
		"tasks, finally, params and description": {
			obj: func() *ml.Pipeline {
				p := mltesting.MakePipeline("train", "ns").
					Tasks(mltesting.MakeTask("prep").Obj(), mltesting.MakeTask("fit").Obj()).
					Finally(mltesting.MakeTask("notify").Obj()).
					Params(mltesting.MakeParamSpec("lr").Obj()).
					Obj()
				p.Spec.Description = "trains the model"
				p.CreationTimestamp = metav1.NewTime(now.Add(-90 * time.Minute))
				return p
			}(),
			want: []any{"train", int64(3), int64(1), "90m", "trains the model"},
		},
		"no creation time": {
			obj:  mltesting.MakePipeline("empty", "ns").Obj(),
			want: []any{"empty", int64(0), int64(0), "<unknown>", ""},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			table, err := convertor.ConvertToTable(registrytest.NewContext("ns"), tc.obj, nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"Name", "Tasks", "Params", "Age", "Description"}, registrytest.ColumnNames(table)); diff != "" {
				t.Errorf("columns (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"Description"}, registrytest.WideColumnNames(table)); diff != "" {
				t.Errorf("wide columns (-want +got):\n%s", diff)
			}
			if len(table.Rows) != 1 {
				t.Fatalf("got %d rows, want 1", len(table.Rows))
			}
			if diff := cmp.Diff(tc.want, table.Rows[0].Cells); diff != "" {
				t.Errorf("cells (-want +got):\n%s", diff)
			}
			if table.Rows[0].Object.Object != tc.obj {
				t.Errorf("row object is %v, want the pipeline", table.Rows[0].Object.Object)
			}
		})
	}
}
