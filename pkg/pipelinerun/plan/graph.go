package plan

import (
	"slices"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

// node is one task of the pipeline with what planning needs to know of it.
type node struct {
	task    *ml.PipelineTask
	finally bool
	// deps are the indices of the regular tasks this one waits for.
	deps []int
	// refs are the names of the tasks whose outputs it references.
	refs []string
}

// graph is a pipeline compiled for planning: its nodes (regular tasks,
// then finally tasks) and the regular tasks in dependency order.
type graph struct {
	nodes  []node
	byName map[string]int
	// order lists the regular tasks so that each comes after its
	// dependencies; ties keep the order of the spec.
	order []int
	// regular is the number of regular tasks: nodes[:regular].
	regular int
	// cycle is a dependency cycle, when the spec has one.
	cycle []string
}

// compile builds the graph of spec. Dependencies on unknown tasks are
// ignored: validation rejects them before a run exists.
func compile(spec *ml.PipelineSpec) *graph {
	n := len(spec.Tasks) + len(spec.Finally)
	g := &graph{nodes: make([]node, 0, n), byName: make(map[string]int, n), regular: len(spec.Tasks)}
	for i := range spec.Tasks {
		g.add(&spec.Tasks[i], false)
	}
	for i := range spec.Finally {
		g.add(&spec.Finally[i], true)
	}
	for i := range g.nodes {
		nd := &g.nodes[i]
		nd.refs = outputRefs(nd.task)
		if nd.finally {
			continue
		}
		// The dependencies of validation.DependenciesOf: dependsOn, then
		// the tasks whose outputs are referenced.
		seen := make(map[int]bool, len(nd.task.DependsOn)+len(nd.refs))
		for _, names := range [][]string{nd.task.DependsOn, nd.refs} {
			for _, d := range names {
				if j, ok := g.byName[d]; ok && j < g.regular && j != i && !seen[j] {
					seen[j] = true
					nd.deps = append(nd.deps, j)
				}
			}
		}
	}
	g.order = g.topoOrder()
	if len(g.order) < g.regular {
		g.cycle = validation.FindCycle(spec.Tasks)
	}
	return g
}

func (g *graph) add(t *ml.PipelineTask, finally bool) {
	if _, dup := g.byName[t.Name]; dup {
		return
	}
	g.byName[t.Name] = len(g.nodes)
	g.nodes = append(g.nodes, node{task: t, finally: finally})
}

// topoOrder is Kahn's algorithm over the regular tasks, taking ready tasks
// in spec order. Tasks on a cycle are left out.
func (g *graph) topoOrder() []int {
	indegree := make([]int, g.regular)
	dependents := make([][]int, g.regular)
	for i := 0; i < g.regular && i < len(g.nodes); i++ {
		for _, d := range g.nodes[i].deps {
			indegree[i]++
			dependents[d] = append(dependents[d], i)
		}
	}
	order := make([]int, 0, g.regular)
	// queue is processed in FIFO order, seeded in spec order, which keeps
	// independent tasks in the order they were written.
	for i := range indegree {
		if indegree[i] == 0 {
			order = append(order, i)
		}
	}
	for k := 0; k < len(order); k++ {
		for _, j := range dependents[order[k]] {
			indegree[j]--
			if indegree[j] == 0 {
				order = append(order, j)
			}
		}
	}
	return order
}

// outputRefs returns the tasks whose outputs t references, once each.
func outputRefs(t *ml.PipelineTask) []string {
	var refs []string
	add := func(s string) {
		for _, v := range validation.ParseVariables(s) {
			if v.Kind != validation.VariableTaskOutput {
				continue
			}
			dup := false
			for _, r := range refs {
				if r == v.Task {
					dup = true
					break
				}
			}
			if !dup {
				refs = append(refs, v.Task)
			}
		}
	}
	for _, s := range t.Command {
		add(s)
	}
	for _, s := range t.Args {
		add(s)
	}
	for _, e := range t.Env {
		add(e.Value)
	}
	for _, w := range t.When {
		add(w.Input)
	}
	if t.ForEach != nil {
		add(t.ForEach.From)
	}
	for _, w := range t.When {
		for _, v := range validation.WhenCELRefs(w.CEL) {
			if v.Kind == validation.VariableTaskOutput && !slices.Contains(refs, v.Task) {
				refs = append(refs, v.Task)
			}
		}
	}
	return appendArtifactRefs(refs, t)
}
