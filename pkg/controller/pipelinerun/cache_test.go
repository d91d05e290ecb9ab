package pipelinerun

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/plan"
)

// Only tasks that ran are cached results: not those served from the
// cache, nor those a retry reused.
func TestIndexByCacheKey(t *testing.T) {
	run := &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "r"},
		Status: mlv1alpha1.PipelineRunStatus{Tasks: []mlv1alpha1.PipelineTaskStatus{
			{Name: "ran", Phase: mlv1alpha1.TaskSucceeded, CacheKey: "k1"},
			{Name: "cached", Phase: mlv1alpha1.TaskSucceeded, Reason: plan.ReasonCached, CacheKey: "k2"},
			{Name: "reused", Phase: mlv1alpha1.TaskSucceeded, Reason: plan.ReasonReused, CacheKey: "k3"},
			{Name: "failed", Phase: mlv1alpha1.TaskFailed, CacheKey: "k4"},
		}},
	}
	keys, err := indexByCacheKey(run)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"ns/k1"}, keys); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
}
