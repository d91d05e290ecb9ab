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
	"ml.example.io/ml-apiserver/pkg/registry/registrytest"
)

func newStorage(t *testing.T, decorator generic.StorageDecorator) NotebookStorage {
	t.Helper()
	s, err := NewStorage(registrytest.NewStorageOptions(t, "notebooks", decorator), logs.Deps{})
	if err != nil {
		t.Fatalf("NewStorage: %v", err)
	}
	t.Cleanup(s.Notebook.Destroy)
	return s
}

func TestStorage(t *testing.T) {
	active := metav1.NewTime(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC))
	for backend, decorator := range registrytest.Backends {
		t.Run(backend, func(t *testing.T) {
			s := newStorage(t, decorator)
			registrytest.StorageContract[*ml.Notebook]{
				Store:       s.Notebook.Store,
				StatusStore: s.Status,
				New: func(name string) *ml.Notebook {
					return mltesting.MakeNotebook(name, registrytest.Namespace).Obj()
				},
				ChangeSpec: func(nb *ml.Notebook) { nb.Spec.Stopped = true },
				SetStatus: func(nb *ml.Notebook) {
					nb.Status.Phase = ml.NotebookRunning
					nb.Status.ObservedGeneration = 1
					nb.Status.URL = "http://lab.team-a.svc:8888"
					nb.Status.LastActivityTime = &active
					nb.Status.Replicas, nb.Status.ReadyReplicas = 1, 1
				},
				Phase:    string(ml.NotebookRunning),
				SpecOf:   func(nb *ml.Notebook) any { return nb.Spec },
				StatusOf: func(nb *ml.Notebook) any { return nb.Status },
			}.Run(t)
		})
	}
}

func TestDiscovery(t *testing.T) {
	s := newStorage(t, generic.UndecoratedStorage)
	if diff := cmp.Diff([]string{"nb"}, s.Notebook.ShortNames()); diff != "" {
		t.Errorf("short names (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"ml"}, s.Notebook.Categories()); diff != "" {
		t.Errorf("categories (-want +got):\n%s", diff)
	}
}

func TestTable(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	created := func(nb *ml.Notebook) *ml.Notebook {
		nb.CreationTimestamp = metav1.NewTime(now.Add(-10 * 24 * time.Hour))
		return nb
	}
	tests := map[string]struct {
		obj  *ml.Notebook
		want []any
	}{
		"running notebook": {
			obj: func() *ml.Notebook {
				nb := created(mltesting.MakeNotebook("lab", "ns").Image("jupyter/scipy-notebook").Phase(ml.NotebookRunning).Obj())
				nb.Status.URL = "http://lab.ns.svc:8888"
				active := metav1.NewTime(now.Add(-7 * time.Minute))
				nb.Status.LastActivityTime = &active
				return nb
			}(),
			want: []any{"lab", "Running", "http://lab.ns.svc:8888", "10d", "jupyter/scipy-notebook", "7m"},
		},
		"new notebook": {
			obj:  created(mltesting.MakeNotebook("lab", "ns").Obj()),
			want: []any{"lab", "", "", "10d", mltesting.DefaultImage, ""},
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
			if diff := cmp.Diff([]string{"Name", "Phase", "URL", "Age", "Image", "Last Activity"}, registrytest.ColumnNames(table)); diff != "" {
				t.Errorf("columns (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"Image", "Last Activity"}, registrytest.WideColumnNames(table)); diff != "" {
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
