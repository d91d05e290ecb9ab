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

func newStorage(t *testing.T, decorator generic.StorageDecorator) TrainingJobStorage {
	t.Helper()
	s, err := NewStorage(registrytest.NewStorageOptions(t, "trainingjobs", decorator), logs.Deps{}, metrics.Deps{})
	if err != nil {
		t.Fatalf("NewStorage: %v", err)
	}
	t.Cleanup(s.TrainingJob.Destroy)
	return s
}

func TestStorage(t *testing.T) {
	started := metav1.NewTime(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC))
	for backend, decorator := range registrytest.Backends {
		t.Run(backend, func(t *testing.T) {
			s := newStorage(t, decorator)
			registrytest.StorageContract[*ml.TrainingJob]{
				Store:       s.TrainingJob.Store,
				StatusStore: s.Status,
				New: func(name string) *ml.TrainingJob {
					return mltesting.MakeTrainingJob(name, registrytest.Namespace).Framework(ml.FrameworkPyTorch).Replicas(2).Obj()
				},
				ChangeSpec: func(j *ml.TrainingJob) { j.Spec.Suspend = true },
				SetStatus: func(j *ml.TrainingJob) {
					j.Status.Phase = ml.TrainingJobRunning
					j.Status.ObservedGeneration = 1
					j.Status.StartTime = &started
					j.Status.Replicas, j.Status.ReadyReplicas = 2, 2
					j.Status.LatestMetrics = []ml.MetricValue{{Name: "loss", Value: 0.25, Step: 10}}
				},
				Phase:    string(ml.TrainingJobRunning),
				SpecOf:   func(j *ml.TrainingJob) any { return j.Spec },
				StatusOf: func(j *ml.TrainingJob) any { return j.Status },
			}.Run(t)
		})
	}
}

func TestDiscovery(t *testing.T) {
	s := newStorage(t, generic.UndecoratedStorage)
	if diff := cmp.Diff([]string{"tj"}, s.TrainingJob.ShortNames()); diff != "" {
		t.Errorf("short names (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"ml"}, s.TrainingJob.Categories()); diff != "" {
		t.Errorf("categories (-want +got):\n%s", diff)
	}
}

func TestTable(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	created := func(j *ml.TrainingJob) *ml.TrainingJob {
		j.CreationTimestamp = metav1.NewTime(now.Add(-26 * time.Hour))
		return j
	}
	tests := map[string]struct {
		obj  *ml.TrainingJob
		want []any
	}{
		"running job with metrics": {
			obj: created(mltesting.MakeTrainingJob("resnet", "ns").Framework(ml.FrameworkPyTorch).Replicas(4).
				Image("pytorch/pytorch:2.5").Phase(ml.TrainingJobRunning).StatusReplicas(4, 3).
				LatestMetric("loss", 0.123456).LatestMetric("accuracy", 0.9).Obj()),
			want: []any{"resnet", "Running", int64(4), "3/4", "26h", "PyTorch", "pytorch/pytorch:2.5", "loss=0.1235"},
		},
		"large metric values use an exponent": {
			obj:  created(mltesting.MakeTrainingJob("big", "ns").LatestMetric("tokens", 123456789).Obj()),
			want: []any{"big", "", int64(1), "0/1", "26h", "Generic", mltesting.DefaultImage, "tokens=1.235e+08"},
		},
		"new job": {
			obj:  created(mltesting.MakeTrainingJob("new", "ns").Obj()),
			want: []any{"new", "", int64(1), "0/1", "26h", "Generic", mltesting.DefaultImage, ""},
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
			wantColumns := []string{"Name", "Phase", "Replicas", "Ready", "Age", "Framework", "Image", "Latest Metric"}
			if diff := cmp.Diff(wantColumns, registrytest.ColumnNames(table)); diff != "" {
				t.Errorf("columns (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"Framework", "Image", "Latest Metric"}, registrytest.WideColumnNames(table)); diff != "" {
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
