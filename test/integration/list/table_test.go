package list

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
)

// tableAccept asks for kubectl's server-side printing.
const tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io"

// column is what the tests check of a column definition.
type column struct {
	Name     string
	Priority int32
}

// ageCell stands for the Age cell, whose value depends on the clock.
const ageCell = "<age>"

func TestTableOutput(t *testing.T) {
	start := metav1.NewTime(time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC))
	end := metav1.NewTime(start.Add(90 * time.Second))
	tests := []struct {
		kind string
		// create stores the sample object, status included, in ns.
		create  func(ctx context.Context, t *testing.T, cs versioned.Interface, ns string)
		columns []column
		// cells of the sample's row; ageCell for the Age column. Numbers
		// are float64, as JSON decodes them.
		cells []any
	}{
		{
			kind: "TrainingJob",
			create: func(ctx context.Context, t *testing.T, cs versioned.Interface, ns string) {
				c := cs.MlV1alpha1().TrainingJobs(ns)
				obj, err := c.Create(ctx, mltesting.NewTrainingJob("sample", ns).Replicas(2).Framework(mlv1alpha1.FrameworkPyTorch).Obj(), metav1.CreateOptions{})
				if err != nil {
					t.Fatalf("create: %v", err)
				}
				obj.Status.Phase = mlv1alpha1.TrainingJobRunning
				obj.Status.Replicas, obj.Status.ReadyReplicas = 2, 1
				obj.Status.LatestMetrics = []mlv1alpha1.MetricValue{{Name: "loss", Value: 0.25, Step: 100}, {Name: "accuracy", Value: 0.9}}
				if _, err := c.UpdateStatus(ctx, obj, metav1.UpdateOptions{}); err != nil {
					t.Fatalf("update status: %v", err)
				}
			},
			columns: []column{{"Name", 0}, {"Phase", 0}, {"Replicas", 0}, {"Ready", 0}, {"Age", 0}, {"Framework", 1}, {"Image", 1}, {"Latest Metric", 1}},
			cells:   []any{"sample", "Running", float64(2), "1/2", ageCell, "PyTorch", mltesting.TrainerImage, "loss=0.25"},
		},
		{
			kind: "PipelineRun",
			create: func(ctx context.Context, t *testing.T, cs versioned.Interface, ns string) {
				c := cs.MlV1alpha1().PipelineRuns(ns)
				spec := mltesting.NewPipeline("", "").Task("prepare").Task("train", "prepare").Spec()
				obj, err := c.Create(ctx, mltesting.NewPipelineRun("sample", ns).Inline(spec).Obj(), metav1.CreateOptions{})
				if err != nil {
					t.Fatalf("create: %v", err)
				}
				obj.Status.Phase = mlv1alpha1.PipelineRunFailed
				obj.Status.StartTime, obj.Status.CompletionTime = &start, &end
				obj.Status.Tasks = []mlv1alpha1.PipelineTaskStatus{
					{Name: "prepare", Phase: mlv1alpha1.TaskSucceeded},
					{Name: "train", Phase: mlv1alpha1.TaskRunning},
				}
				if _, err := c.UpdateStatus(ctx, obj, metav1.UpdateOptions{}); err != nil {
					t.Fatalf("update status: %v", err)
				}
			},
			columns: []column{{"Name", 0}, {"Pipeline", 0}, {"Phase", 0}, {"Tasks", 0}, {"Duration", 0}, {"Age", 0}},
			cells:   []any{"sample", "<inline>", "Failed", "1/2", "90s", ageCell},
		},
		{
			kind: "Model",
			create: func(ctx context.Context, t *testing.T, cs versioned.Interface, ns string) {
				c := cs.MlV1alpha1().Models(ns)
				obj, err := c.Create(ctx, mltesting.NewModel("sample", ns).Replicas(2).Obj(), metav1.CreateOptions{})
				if err != nil {
					t.Fatalf("create: %v", err)
				}
				obj.Status.Phase = mlv1alpha1.ModelReady
				obj.Status.Replicas, obj.Status.ReadyReplicas = 2, 1
				obj.Status.URL = "http://sample." + ns + ".svc:8080"
				if _, err := c.UpdateStatus(ctx, obj, metav1.UpdateOptions{}); err != nil {
					t.Fatalf("update status: %v", err)
				}
			},
			columns: []column{{"Name", 0}, {"Phase", 0}, {"Ready", 0}, {"URL", 0}, {"Age", 0}, {"Source", 1}, {"Canary", 1}},
			cells:   []any{"sample", "Ready", "1/2", "http://sample.<ns>.svc:8080", ageCell, "s3://models/sample", ""},
		},
		{
			kind: "Notebook",
			create: func(ctx context.Context, t *testing.T, cs versioned.Interface, ns string) {
				c := cs.MlV1alpha1().Notebooks(ns)
				obj, err := c.Create(ctx, mltesting.NewNotebook("sample", ns).Obj(), metav1.CreateOptions{})
				if err != nil {
					t.Fatalf("create: %v", err)
				}
				obj.Status.Phase = mlv1alpha1.NotebookRunning
				obj.Status.URL = "http://sample." + ns + ".svc:8888"
				if _, err := c.UpdateStatus(ctx, obj, metav1.UpdateOptions{}); err != nil {
					t.Fatalf("update status: %v", err)
				}
			},
			columns: []column{{"Name", 0}, {"Phase", 0}, {"URL", 0}, {"Age", 0}, {"Image", 1}, {"Last Activity", 1}},
			cells:   []any{"sample", "Running", "http://sample.<ns>.svc:8888", ageCell, mltesting.NotebookImage, ""},
		},
		{
			kind: "Pipeline",
			create: func(ctx context.Context, t *testing.T, cs versioned.Interface, ns string) {
				obj := mltesting.NewPipeline("sample", ns).Description("Train and evaluate.").
					Param("lr", "0.1").Task("prepare").Task("train", "prepare").Task("evaluate", "train").Obj()
				if _, err := cs.MlV1alpha1().Pipelines(ns).Create(ctx, obj, metav1.CreateOptions{}); err != nil {
					t.Fatalf("create: %v", err)
				}
			},
			columns: []column{{"Name", 0}, {"Tasks", 0}, {"Params", 0}, {"Age", 0}, {"Description", 1}},
			cells:   []any{"sample", float64(3), float64(1), ageCell, "Train and evaluate."},
		},
	}
	for _, tc := range tests {
		t.Run(tc.kind, func(t *testing.T) {
			ctx, cs, ns := setup(t)
			tc.create(ctx, t, cs, ns)
			k := mltesting.KindNamed(tc.kind)
			// A second object shows that a list prints a row per object.
			if _, err := k.Client(cs, ns).Create(ctx, k.New("another", ""), metav1.CreateOptions{}); err != nil {
				t.Fatalf("create another: %v", err)
			}
			wantCells := make([]any, len(tc.cells))
			for i, c := range tc.cells {
				if s, ok := c.(string); ok {
					c = strings.ReplaceAll(s, "<ns>", ns)
				}
				wantCells[i] = c
			}

			table := getTable(ctx, t, cs, ns, k.Resource, "sample")
			var gotColumns []column
			for _, c := range table.ColumnDefinitions {
				gotColumns = append(gotColumns, column{Name: c.Name, Priority: c.Priority})
			}
			if diff := cmp.Diff(tc.columns, gotColumns, cmp.Comparer(strings.EqualFold)); diff != "" {
				t.Errorf("columns (-want +got):\n%s", diff)
			}
			if len(table.Rows) != 1 {
				t.Fatalf("a table of one object has %d rows", len(table.Rows))
			}
			if diff := cmp.Diff(wantCells, cellsWithoutAge(t, table, 0)); diff != "" {
				t.Errorf("cells of the sample (-want +got):\n%s", diff)
			}

			list := getTable(ctx, t, cs, ns, k.Resource, "")
			var names []any
			for i := range list.Rows {
				names = append(names, cellsWithoutAge(t, list, i)[0])
			}
			if diff := cmp.Diff([]any{"another", "sample"}, names); diff != "" {
				t.Errorf("names of the rows of a list (-want +got):\n%s", diff)
			}
		})
	}
}

// getTable gets an object, or the list when name is empty, as a Table.
func getTable(ctx context.Context, t *testing.T, cs versioned.Interface, ns, resource, name string) *metav1.Table {
	t.Helper()
	req := cs.MlV1alpha1().RESTClient().Get().Namespace(ns).Resource(resource).SetHeader("Accept", tableAccept)
	if name != "" {
		req = req.Name(name)
	}
	body, err := req.DoRaw(ctx)
	if err != nil {
		t.Fatalf("get %s %s as a table: %v: %s", resource, name, err, body)
	}
	table := &metav1.Table{}
	if err := json.Unmarshal(body, table); err != nil {
		t.Fatalf("decode table: %v: %s", err, body)
	}
	if table.Kind != "Table" || table.APIVersion != "meta.k8s.io/v1" {
		t.Fatalf("got a %s %s, not a meta.k8s.io/v1 Table", table.APIVersion, table.Kind)
	}
	return table
}

// cellsWithoutAge returns the cells of row i with the Age cell, which must
// be a non-empty string, replaced by ageCell.
func cellsWithoutAge(t *testing.T, table *metav1.Table, i int) []any {
	t.Helper()
	cells := append([]any(nil), table.Rows[i].Cells...)
	for j, c := range table.ColumnDefinitions {
		if !strings.EqualFold(c.Name, "Age") || j >= len(cells) {
			continue
		}
		if age, ok := cells[j].(string); !ok || age == "" || age == "<unknown>" {
			t.Errorf("row %d: age %#v is not a duration", i, cells[j])
		}
		cells[j] = ageCell
	}
	return cells
}
