package get

import (
	"sort"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

// node is one row of the task tree: a task, a forEach task with its
// instances below, or the group of finally tasks.
type node struct {
	name string
	// status is nil for a group (a forEach task, finally, a task not in
	// status yet); its row then sums up its children.
	status   *mlv1alpha1.PipelineTaskStatus
	children []*node
}

// taskTree is the run's tasks in the order they run: the regular tasks in
// dependency order (ready tasks in the order the pipeline lists them, as the
// controller starts them), forEach instances under their task, the tasks
// of nested pipelines under their parent task (groupNested), then the
// finally tasks under a "finally" node. Tasks of the status that spec does
// not name (spec nil: the pipeline is gone) follow in status order.
func taskTree(spec *mlv1alpha1.PipelineSpec, tasks []mlv1alpha1.PipelineTaskStatus) []*node {
	byTask := map[string][]int{}
	var taskOrder []string
	for i := range tasks {
		name := tasks[i].Task
		if name == "" {
			name = tasks[i].Name
		}
		if _, ok := byTask[name]; !ok {
			taskOrder = append(taskOrder, name)
		}
		byTask[name] = append(byTask[name], i)
	}
	placed := map[string]bool{}
	nodeOf := func(name string) *node {
		placed[name] = true
		entries := byTask[name]
		if len(entries) == 1 && tasks[entries[0]].Name == name {
			return &node{name: name, status: &tasks[entries[0]]}
		}
		n := &node{name: name}
		for _, i := range entries {
			label := tasks[i].Name
			if tasks[i].Item != "" {
				label += " (" + tasks[i].Item + ")"
			}
			n.children = append(n.children, &node{name: label, status: &tasks[i]})
		}
		if len(entries) == 0 {
			n.status = &mlv1alpha1.PipelineTaskStatus{Name: name, Phase: mlv1alpha1.TaskPending}
		}
		return n
	}
	var roots []*node
	if spec != nil {
		for _, name := range dagOrder(spec.Tasks) {
			roots = append(roots, nodeOf(name))
		}
	}
	var rest []*node
	for _, name := range taskOrder {
		if !placed[name] && !isFinally(spec, name) {
			rest = append(rest, nodeOf(name))
		}
	}
	roots = groupNested(append(roots, rest...))
	finally := &node{name: "finally"}
	if spec != nil {
		for i := range spec.Finally {
			finally.children = append(finally.children, nodeOf(spec.Finally[i].Name))
		}
	}
	for _, name := range taskOrder {
		if !placed[name] {
			finally.children = append(finally.children, nodeOf(name))
		}
	}
	if len(finally.children) > 0 {
		roots = append(roots, finally)
	}
	return roots
}

func isFinally(spec *mlv1alpha1.PipelineSpec, name string) bool {
	if spec == nil {
		return false
	}
	for i := range spec.Finally {
		if spec.Finally[i].Name == name {
			return true
		}
	}
	return false
}

// dagOrder is Kahn's algorithm over tasks, taking ready tasks in the order
// they are listed, with the dependencies the controller waits for
// (dependsOn and output references, validation.DependenciesOf). Tasks on a
// cycle, which validation refuses, come last in list order.
func dagOrder(tasks []mlv1alpha1.PipelineTask) []string {
	index := make(map[string]int, len(tasks))
	for i := range tasks {
		if _, dup := index[tasks[i].Name]; !dup {
			index[tasks[i].Name] = i
		}
	}
	indegree := make([]int, len(tasks))
	dependents := make([][]int, len(tasks))
	for i := range tasks {
		for _, d := range dependenciesOf(&tasks[i]) {
			if j, ok := index[d]; ok && j != i {
				indegree[i]++
				dependents[j] = append(dependents[j], i)
			}
		}
	}
	var ready, order []int
	for i := range tasks {
		if indegree[i] == 0 {
			ready = append(ready, i)
		}
	}
	done := make([]bool, len(tasks))
	for len(ready) > 0 {
		sort.Ints(ready)
		i := ready[0]
		ready = ready[1:]
		done[i] = true
		order = append(order, i)
		for _, j := range dependents[i] {
			if indegree[j]--; indegree[j] == 0 {
				ready = append(ready, j)
			}
		}
	}
	names := make([]string, 0, len(tasks))
	for _, i := range order {
		names = append(names, tasks[i].Name)
	}
	for i := range tasks {
		if !done[i] {
			names = append(names, tasks[i].Name)
		}
	}
	return names
}

// dependenciesOf converts t to the internal type for
// validation.DependenciesOf; a task that does not convert has its
// dependsOn only.
func dependenciesOf(t *mlv1alpha1.PipelineTask) []string {
	var internal ml.PipelineTask
	if err := mlv1alpha1.Convert_v1alpha1_PipelineTask_To_ml_PipelineTask(t, &internal, nil); err != nil {
		return t.DependsOn
	}
	return validation.DependenciesOf(internal)
}

// Ordered is the entries of tasks in the order get shows them (see
// taskTree), spec may be nil.
func Ordered(spec *mlv1alpha1.PipelineSpec, tasks []mlv1alpha1.PipelineTaskStatus) []*mlv1alpha1.PipelineTaskStatus {
	var out []*mlv1alpha1.PipelineTaskStatus
	var walk func(nodes []*node)
	walk = func(nodes []*node) {
		for _, n := range nodes {
			if n.status != nil && n.status.Name != "" && len(n.children) == 0 {
				for i := range tasks {
					if &tasks[i] == n.status {
						out = append(out, n.status)
					}
				}
			}
			walk(n.children)
		}
	}
	walk(taskTree(spec, tasks))
	return out
}
