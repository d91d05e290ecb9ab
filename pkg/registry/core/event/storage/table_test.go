package storage

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"ml.example.io/ml-apiserver/pkg/registry/registrytest"
)

// TestTable checks the columns and cells `kubectl get events` prints, as
// kube-apiserver's (k8s.io/kubernetes v1.37
// pkg/printers/internalversion/printers_test.go, TestPrintEvent).
func TestTable(t *testing.T) {
	now := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	c := newTableConvertor()
	c.Now = func() time.Time { return now }

	recorded := newEvent("job.1", "job", "PodFailed", corev1.EventTypeWarning)
	recorded.FirstTimestamp = metav1.NewTime(now.Add(-2 * time.Hour))
	recorded.LastTimestamp = metav1.NewTime(now.Add(-3 * time.Minute))
	recorded.Count = 6
	recorded.Source.Host = "node-1"
	recorded.Message = "  Pod job-0 failed\n"

	series := newEvent("job.2", "job", "Started", corev1.EventTypeNormal)
	series.Source = corev1.EventSource{}
	series.ReportingController, series.ReportingInstance = "ml.example.io/controller", "copy-1"
	series.EventTime = metav1.NewMicroTime(now.Add(-time.Hour))
	series.Series = &corev1.EventSeries{Count: 3, LastObservedTime: metav1.NewMicroTime(now.Add(-10 * time.Second))}

	single := newEvent("job.3", "", "Started", corev1.EventTypeNormal)
	single.Count = 0
	single.EventTime = metav1.NewMicroTime(now.Add(-5 * time.Second))

	table, err := c.ConvertToTable(context.Background(), &corev1.EventList{Items: []corev1.Event{*recorded, *series, *single}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	all := []string{"Last Seen", "Type", "Reason", "Object", "Subobject", "Source", "Message", "First Seen", "Count", "Name"}
	if diff := cmp.Diff(all, registrytest.ColumnNames(table)); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Subobject", "Source", "First Seen", "Count", "Name"}, registrytest.WideColumnNames(table)); diff != "" {
		t.Errorf("wide columns (-want +got):\n%s", diff)
	}
	want := [][]any{
		{"3m", "Warning", "PodFailed", "trainingjob/job", "", "ml-controller, node-1", "Pod job-0 failed", "120m", int64(6), "job.1"},
		{"10s", "Normal", "Started", "trainingjob/job", "", "ml.example.io/controller, copy-1", "Started of job", "60m", int64(3), "job.2"},
		{"5s", "Normal", "Started", "trainingjob", "", "ml-controller", "Started of", "5s", int64(1), "job.3"},
	}
	var got [][]any
	for _, row := range table.Rows {
		got = append(got, row.Cells)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cells (-want +got):\n%s", diff)
	}
}
