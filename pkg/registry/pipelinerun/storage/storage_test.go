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

func newStorage(t *testing.T, decorator generic.StorageDecorator) PipelineRunStorage {
	t.Helper()
	s, err := NewStorage(registrytest.NewStorageOptions(t, "pipelineruns", decorator), logs.Deps{}, metrics.Deps{}, TasksConfig{})
	if err != nil {
		t.Fatalf("NewStorage: %v", err)
	}
	t.Cleanup(s.PipelineRun.Destroy)
	return s
}

func TestStorage(t *testing.T) {
	started := metav1.NewTime(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC))
	for backend, decorator := range registrytest.Backends {
		t.Run(backend, func(t *testing.T) {
			s := newStorage(t, decorator)
			registrytest.StorageContract[*ml.PipelineRun]{
				Store:       s.PipelineRun.Store,
				StatusStore: s.Status,
				New: func(name string) *ml.PipelineRun {
					return mltesting.MakePipelineRun(name, registrytest.Namespace).PipelineRef("train").Obj()
				},
				ChangeSpec: func(r *ml.PipelineRun) { r.Spec.Suspend = true },
				SetStatus: func(r *ml.PipelineRun) {
					r.Status.Phase = ml.PipelineRunRunning
					r.Status.ObservedGeneration = 1
					r.Status.StartTime = &started
					r.Status.Tasks = []ml.PipelineTaskStatus{{Name: "fit", Task: "fit", Phase: ml.TaskRunning, PodName: "nightly-fit-0"}}
				},
				Phase:    string(ml.PipelineRunRunning),
				SpecOf:   func(r *ml.PipelineRun) any { return r.Spec },
				StatusOf: func(r *ml.PipelineRun) any { return r.Status },
			}.Run(t)
		})
	}
}

func TestDiscovery(t *testing.T) {
	s := newStorage(t, generic.UndecoratedStorage)
	if diff := cmp.Diff([]string{"plr"}, s.PipelineRun.ShortNames()); diff != "" {
		t.Errorf("short names (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"ml"}, s.PipelineRun.Categories()); diff != "" {
		t.Errorf("categories (-want +got):\n%s", diff)
	}
}

func TestTable(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) *metav1.Time { t := metav1.NewTime(now.Add(-d)); return &t }
	created := func(r *ml.PipelineRun) *ml.PipelineRun { r.CreationTimestamp = *ago(3 * time.Hour); return r }
	twoTasks := mltesting.MakePipeline("p", "").
		Tasks(mltesting.MakeTask("prep").Obj(), mltesting.MakeTask("fit").Obj()).
		Finally(mltesting.MakeTask("notify").Obj()).
		Spec()

	tests := map[string]struct {
		obj  *ml.PipelineRun
		want []any
	}{
		"running run counts finished tasks": {
			obj: created(mltesting.MakePipelineRun("nightly", "ns").PipelineRef("train").
				Phase(ml.PipelineRunRunning).Times(ago(5*time.Minute), nil).
				TaskStatus("prep", ml.TaskSucceeded).TaskStatus("lint", ml.TaskSkipped).
				TaskStatus("fit", ml.TaskRunning).TaskStatus("notify", ml.TaskPending).Obj()),
			want: []any{"nightly", "train", "Running", "2/4", "5m", "3h"},
		},
		"finished run lasts from start to completion": {
			obj: created(mltesting.MakePipelineRun("nightly", "ns").PipelineRef("train").
				Phase(ml.PipelineRunFailed).Times(ago(2*time.Hour), ago(30*time.Minute)).
				TaskStatus("prep", ml.TaskSucceeded).TaskStatus("fit", ml.TaskFailed).TaskStatus("eval", ml.TaskCanceled).Obj()),
			want: []any{"nightly", "train", "Failed", "3/3", "90m", "3h"},
		},
		"inline pipeline not started counts its spec": {
			obj:  created(mltesting.MakePipelineRun("adhoc", "ns").PipelineSpec(twoTasks).Obj()),
			want: []any{"adhoc", "<inline>", "", "0/3", "", "3h"},
		},
		"resolved snapshot before the tasks are listed": {
			obj: func() *ml.PipelineRun {
				r := created(mltesting.MakePipelineRun("nightly", "ns").PipelineRef("train").Phase(ml.PipelineRunPending).Obj())
				r.Status.PipelineSpec = twoTasks
				return r
			}(),
			want: []any{"nightly", "train", "Pending", "0/3", "", "3h"},
		},
		"snapshot reference before the tasks are listed": {
			obj: func() *ml.PipelineRun {
				r := created(mltesting.MakePipelineRun("nightly", "ns").PipelineRef("train").Phase(ml.PipelineRunPending).Obj())
				r.Status.Pipeline = &ml.PipelineSnapshotRef{Name: "train", Hash: "sha256:x", Tasks: 3}
				return r
			}(),
			want: []any{"nightly", "train", "Pending", "0/3", "", "3h"},
		},
		"retry of a run of a Pipeline": {
			obj: func() *ml.PipelineRun {
				r := created(mltesting.MakePipelineRun("nightly-retry-x7k2p", "ns").RetryOf("nightly").Phase(ml.PipelineRunPending).Obj())
				r.Status.Pipeline = &ml.PipelineSnapshotRef{Name: "train", Hash: "sha256:x", Tasks: 3}
				return r
			}(),
			want: []any{"nightly-retry-x7k2p", "train", "Pending", "0/3", "", "3h"},
		},
		"unresolved reference": {
			obj:  created(mltesting.MakePipelineRun("nightly", "ns").PipelineRef("train").Obj()),
			want: []any{"nightly", "train", "", "0/0", "", "3h"},
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
			if diff := cmp.Diff([]string{"Name", "Pipeline", "Phase", "Tasks", "Duration", "Age"}, registrytest.ColumnNames(table)); diff != "" {
				t.Errorf("columns (-want +got):\n%s", diff)
			}
			if got := registrytest.WideColumnNames(table); len(got) != 0 {
				t.Errorf("wide columns %v, want none", got)
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
