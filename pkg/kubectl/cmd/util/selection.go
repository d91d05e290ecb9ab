package util

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TaskNames are the names --task accepts for a pipeline run: its tasks as
// the pipeline declares them and as they ran (a forEach instance as
// TASK-N), sorted. Empty when the run has not been planned yet.
func TaskNames(run, pipeline *unstructured.Unstructured) []string {
	seen := map[string]bool{}
	add := func(list []any, fields ...string) {
		for _, item := range list {
			m, ok := item.(map[string]any)
			if !ok {
				continue
			}
			for _, f := range fields {
				if s, ok := m[f].(string); ok && s != "" {
					seen[s] = true
				}
			}
		}
	}
	ran, _, _ := unstructured.NestedSlice(run.Object, "status", "tasks")
	add(ran, "name", "task")
	// Stored by an earlier server, the snapshot is in the status.
	declared, _, _ := unstructured.NestedSlice(run.Object, "status", "pipelineSpec", "tasks")
	add(declared, "name")
	if pipeline != nil {
		for _, list := range []string{"tasks", "finally"} {
			declared, _, _ := unstructured.NestedSlice(pipeline.Object, "spec", list)
			add(declared, "name")
		}
	}
	names := make([]string, 0, len(seen))
	for s := range seen {
		names = append(names, s)
	}
	sort.Strings(names)
	return names
}

// Replicas is how many replicas a training job or model has: the larger of
// what its spec asks (1 when unset) and what its status counts.
func Replicas(obj *unstructured.Unstructured) int64 {
	spec, found, _ := unstructured.NestedInt64(obj.Object, "spec", "replicas")
	if !found {
		spec = 1
	}
	status, _, _ := unstructured.NestedInt64(obj.Object, "status", "replicas")
	return max(spec, status)
}

// CheckSelection reads the target and says, in words, when --task or
// --replica name something it does not have: the valid tasks, or how many
// replicas there are. Without either flag it reads nothing. When the
// object cannot be read for another reason than its absence (no get
// permission, say) it lets the server judge the request instead.
func (f *Factory) CheckSelection(ctx context.Context, t Target, task string, replica int64) error {
	if task == "" && replica < 0 {
		return nil
	}
	obj, err := f.Get(ctx, t)
	switch {
	case apierrors.IsNotFound(err):
		return err
	case err != nil:
		return nil
	}
	kind := strings.ToLower(obj.GetKind())
	if task != "" {
		var pipeline *unstructured.Unstructured
		if t.Resource == "pipelineruns" {
			pipeline, _ = f.Get(ctx, t, "pipeline") // the tasks in status are enough without it
		}
		names := TaskNames(obj, pipeline)
		// A task of the pipeline that runs a nested pipeline selects its
		// tasks, <task>.<inner task>.
		nested := slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, task+".") })
		if len(names) > 0 && !contains(names, task) && !nested {
			return fmt.Errorf("%s %s has no task %q; its tasks are: %s", kind, t.Name, task, strings.Join(names, ", "))
		}
	}
	if replica >= 0 {
		switch n := Replicas(obj); {
		case n == 0 && replica >= 0:
			return fmt.Errorf("%s %s has no replicas; there is no replica %d", kind, t.Name, replica)
		case replica >= n:
			return fmt.Errorf("%s %s has %d replica%s (--replica 0 to %d); there is no replica %d", kind, t.Name, n, plural(n), n-1, replica)
		}
	}
	return nil
}

func plural(n int64) string {
	if n == 1 {
		return ""
	}
	return "s"
}
