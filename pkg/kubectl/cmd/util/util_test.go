package util

import (
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func obj(status map[string]any, spec map[string]any) *unstructured.Unstructured {
	o := map[string]any{"kind": "TrainingJob"}
	if status != nil {
		o["status"] = status
	}
	if spec != nil {
		o["spec"] = spec
	}
	return &unstructured.Unstructured{Object: o}
}

func TestFinished(t *testing.T) {
	cond := func(typ, status string) map[string]any {
		return map[string]any{"conditions": []any{map[string]any{"type": typ, "status": status}}}
	}
	cases := []struct {
		name   string
		status map[string]any
		want   string
		ended  bool
	}{
		{"running", map[string]any{"phase": "Running"}, "", false},
		{"succeeded", map[string]any{"phase": "Succeeded"}, "Succeeded", true},
		{"failed", map[string]any{"phase": "Failed"}, "Failed", true},
		{"canceled", map[string]any{"phase": "Canceled"}, "Canceled", true},
		{"complete condition", cond("Complete", "True"), "Complete", true},
		{"false condition", cond("Succeeded", "False"), "", false},
		{"no status", nil, "", false},
	}
	for _, tc := range cases {
		how, ended := Finished(obj(tc.status, nil))
		if how != tc.want || ended != tc.ended {
			t.Errorf("%s: Finished = %q, %v; want %q, %v", tc.name, how, ended, tc.want, tc.ended)
		}
	}
}

func TestTaskNames(t *testing.T) {
	run := obj(map[string]any{
		"tasks": []any{
			map[string]any{"name": "train"},
			map[string]any{"name": "work-0", "task": "work"},
		},
		"pipelineSpec": map[string]any{"tasks": []any{map[string]any{"name": "gather"}, map[string]any{"name": "work"}}},
	}, nil)
	if got, want := TaskNames(run, nil), []string{"gather", "train", "work", "work-0"}; !slices.Equal(got, want) {
		t.Errorf("TaskNames = %v, want %v", got, want)
	}
}

// TestTaskNamesFromPipeline: the declared tasks come from the run's
// pipeline subresource, finally tasks included.
func TestTaskNamesFromPipeline(t *testing.T) {
	run := obj(map[string]any{"tasks": []any{map[string]any{"name": "train"}}}, nil)
	pipeline := &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{
		"tasks":   []any{map[string]any{"name": "train"}, map[string]any{"name": "evaluate"}},
		"finally": []any{map[string]any{"name": "notify"}},
	}}}
	if got, want := TaskNames(run, pipeline), []string{"evaluate", "notify", "train"}; !slices.Equal(got, want) {
		t.Errorf("TaskNames = %v, want %v", got, want)
	}
}

func TestReplicas(t *testing.T) {
	cases := []struct {
		name         string
		spec, status map[string]any
		want         int64
	}{
		{"default one", nil, nil, 1},
		{"spec", map[string]any{"replicas": int64(3)}, nil, 3},
		{"status above spec", map[string]any{"replicas": int64(2)}, map[string]any{"replicas": int64(4)}, 4},
		{"scaled to zero", map[string]any{"replicas": int64(0)}, nil, 0},
	}
	for _, tc := range cases {
		if got := Replicas(obj(tc.status, tc.spec)); got != tc.want {
			t.Errorf("%s: Replicas = %d, want %d", tc.name, got, tc.want)
		}
	}
}
