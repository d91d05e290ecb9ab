package tree

import (
	"fmt"
	"strings"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// taskNode is the row of one task of a run: its attempts' pods (or
// processes, attemptKind) below it, or for a forEach task whose status
// only summarizes its instances, their counts by phase and the first
// failed ones (every instance is served by the tasks subresource).
func taskNode(t *mlv1alpha1.PipelineTaskStatus, attemptKind string) *node {
	n := &node{name: "task/" + t.Name, status: string(t.Phase)}
	if t.StartTime != nil {
		n.created = t.StartTime.Time
	}
	if s := t.Instances; s != nil {
		n.children = append(n.children, &node{name: fmt.Sprintf("instances (%d)", s.Total), status: instanceCounts(s)})
		for _, f := range s.Failures {
			status := "Failed"
			if f.Reason != "" {
				status += ": " + f.Reason
			}
			n.children = append(n.children, &node{name: fmt.Sprintf("instance/%s-%d", t.Name, f.Index), status: status})
		}
		if int(s.Failed) > len(s.Failures) {
			n.children = append(n.children, &node{name: fmt.Sprintf("... %d more failed", int(s.Failed)-len(s.Failures))})
		}
		return n
	}
	for _, a := range t.Attempts {
		p := &node{name: attemptKind + "/" + a.PodName, status: "Running"}
		if a.StartTime != nil {
			p.created = a.StartTime.Time
		}
		switch {
		case a.ExitCode != nil:
			p.status = fmt.Sprintf("Exited %d", *a.ExitCode)
		case a.CompletionTime != nil:
			p.status = "Ended"
		}
		n.children = append(n.children, p)
	}
	return n
}

// instanceCounts says how many instances are in each phase, the phases
// with none left out.
func instanceCounts(s *mlv1alpha1.TaskInstanceSummary) string {
	var parts []string
	for _, c := range []struct {
		phase mlv1alpha1.TaskPhase
		n     int32
	}{
		{mlv1alpha1.TaskSucceeded, s.Succeeded}, {mlv1alpha1.TaskFailed, s.Failed}, {mlv1alpha1.TaskRunning, s.Running},
		{mlv1alpha1.TaskPending, s.Pending}, {mlv1alpha1.TaskSkipped, s.Skipped}, {mlv1alpha1.TaskCanceled, s.Canceled},
	} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.phase))
		}
	}
	return strings.Join(parts, ", ")
}

// nestTasks hangs the tasks of nested pipelines (<task>.<inner task>)
// under the row of their parent task, in order; a parent without a row of
// its own gets one.
func nestTasks(rows []*node) []*node {
	byName := map[string]*node{}
	var out []*node
	for _, r := range rows {
		name := strings.TrimPrefix(r.name, "task/")
		parent, _, nested := strings.Cut(name, ".")
		if !nested {
			byName[name] = r
			out = append(out, r)
			continue
		}
		p, ok := byName[parent]
		if !ok {
			p = &node{name: "task/" + parent}
			byName[parent] = p
			out = append(out, p)
		}
		p.children = append(p.children, r)
	}
	return out
}
