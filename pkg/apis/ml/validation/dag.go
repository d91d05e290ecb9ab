package validation

import (
	"slices"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// DependenciesOf returns the names of the tasks task must wait for: its
// dependsOn entries, then the tasks whose outputs it references as
// $(tasks.<task>.outputs.<output>) in command, args, env values, when
// inputs and forEach.from, or as tasks.<task>.outputs.<output> in CEL when
// conditions. Each name appears once, in order of first
// appearance. Names are returned as written, whether or not such a task
// exists; validation reports unknown ones.
func DependenciesOf(task ml.PipelineTask) []string {
	var deps []string
	seen := sets.New[string]()
	add := func(name string) {
		if !seen.Has(name) {
			seen.Insert(name)
			deps = append(deps, name)
		}
	}
	for _, d := range task.DependsOn {
		add(d)
	}
	for _, f := range variableFields(&task, nil) {
		for _, v := range ParseVariables(f.value) {
			if v.Kind == VariableTaskOutput {
				add(v.Task)
			}
		}
	}
	for _, w := range task.When {
		for _, v := range WhenCELRefs(w.CEL) {
			if v.Kind == VariableTaskOutput {
				add(v.Task)
			}
		}
	}
	return deps
}

// FindCycle returns the first dependency cycle among tasks, as the names
// along it with the first repeated at the end: [a b c a] means a depends on
// b, b on c and c on a. It returns nil when the tasks form a DAG.
//
// The search is deterministic: a depth-first walk that starts from the
// tasks in the given order and follows each task's DependenciesOf in order.
// Dependencies on names that are not among tasks are ignored, and so is all
// but the first of tasks sharing a name.
func FindCycle(tasks []ml.PipelineTask) []string {
	names, deps := dependencyGraph(tasks)
	return findCycle(names, deps)
}

// dependencyGraph returns the task names in order (first of each name) and
// the dependencies of each.
func dependencyGraph(tasks []ml.PipelineTask) ([]string, map[string][]string) {
	names := make([]string, 0, len(tasks))
	deps := make(map[string][]string, len(tasks))
	for i := range tasks {
		if _, dup := deps[tasks[i].Name]; dup {
			continue
		}
		names = append(names, tasks[i].Name)
		deps[tasks[i].Name] = DependenciesOf(tasks[i])
	}
	return names, deps
}

// findCycle walks the graph depth first from names in order and returns the
// first cycle it closes, or nil. Edges to nodes not in deps are ignored.
func findCycle(names []string, deps map[string][]string) []string {
	const (
		unvisited = iota
		visiting
		visited
	)
	state := make(map[string]int, len(names))
	var path []string
	var visit func(name string) []string
	visit = func(name string) []string {
		state[name] = visiting
		path = append(path, name)
		for _, d := range deps[name] {
			if _, known := deps[d]; !known {
				continue
			}
			switch state[d] {
			case visiting:
				start := slices.Index(path, d)
				return append(slices.Clone(path[start:]), d)
			case unvisited:
				if cycle := visit(d); cycle != nil {
					return cycle
				}
			}
		}
		path = path[:len(path)-1]
		state[name] = visited
		return nil
	}
	for _, name := range names {
		if state[name] == unvisited {
			if cycle := visit(name); cycle != nil {
				return cycle
			}
		}
	}
	return nil
}

// variableField is a string of a task that may hold variables.
type variableField struct {
	value string
	path  *field.Path
	// forEachFrom marks forEach.from, which must be a single variable.
	forEachFrom bool
}

// variableFields returns the strings of a task in which variables are
// substituted: command, args, env values, when inputs, forEach.from and
// the params given to a nested pipeline.
// fldPath is the task's path; it may be nil when paths are not needed.
func variableFields(task *ml.PipelineTask, fldPath *field.Path) []variableField {
	var fields []variableField
	for i, s := range task.Command {
		fields = append(fields, variableField{value: s, path: fldPath.Child("command").Index(i)})
	}
	for i, s := range task.Args {
		fields = append(fields, variableField{value: s, path: fldPath.Child("args").Index(i)})
	}
	for i, e := range task.Env {
		fields = append(fields, variableField{value: e.Value, path: fldPath.Child("env").Index(i).Child("value")})
	}
	for i, w := range task.When {
		fields = append(fields, variableField{value: w.Input, path: fldPath.Child("when").Index(i).Child("input")})
	}
	for i, p := range task.Params {
		fields = append(fields, variableField{value: p.Value, path: fldPath.Child("params").Index(i).Child("value")})
	}
	if task.ForEach != nil && task.ForEach.From != "" {
		fields = append(fields, variableField{value: task.ForEach.From, path: fldPath.Child("forEach", "from"), forEachFrom: true})
	}
	return fields
}
