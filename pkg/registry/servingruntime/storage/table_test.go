package storage

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

func TestCells(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	spec := &ml.ServingRuntimeSpec{
		Protocol: "v2",
		SupportedModelFormats: []ml.SupportedModelFormat{
			{Name: "sklearn", AutoSelect: true}, {Name: "xgboost", Version: "2"},
		},
		Container: ml.ModelRuntime{Image: "server:1"},
	}
	got := cells("sk", metav1.NewTime(now.Add(-2*time.Minute)), spec, now)
	want := []any{"sk", "sklearn,xgboost:2", "v2", "2m", "server:1"}
	if len(got) != len(want) || len(got) != len(columns()) {
		t.Fatalf("cells %v, columns %d; want %v", got, len(columns()), want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cell %d (%s) = %v, want %v", i, columns()[i].Name, got[i], want[i])
		}
	}
}

// ClusterServingRuntimes are in no category, so that `kubectl delete ml
// --all -n ns` never reaches them.
func TestClusterRuntimesInNoCategory(t *testing.T) {
	if c := (&ClusterREST{}).Categories(); c != nil {
		t.Errorf("categories %v, want none", c)
	}
}
