package get

import (
	"strings"

	"ml.example.io/ml-apiserver/pkg/pipelinerun/nested"
)

// groupNested puts the tasks of nested pipelines, which a run's snapshot
// names <task>.<inner task>, under a node of their parent task, level by
// level, where the parent's first task is; the children are shown by
// their inner names.
func groupNested(nodes []*node) []*node {
	var out []*node
	groups := map[string]*node{}
	for _, n := range nodes {
		parent, inner, ok := strings.Cut(n.name, nested.Separator)
		if !ok {
			out = append(out, n)
			continue
		}
		g := groups[parent]
		if g == nil {
			g = &node{name: parent}
			groups[parent] = g
			out = append(out, g)
		}
		n.name = inner
		g.children = append(g.children, n)
	}
	for _, g := range groups {
		g.children = groupNested(g.children)
	}
	return out
}

// leaves are the nodes below n that have a status: what a group's row
// sums up.
func leaves(n *node) []*node {
	var out []*node
	for _, c := range n.children {
		if c.status != nil {
			out = append(out, c)
		} else {
			out = append(out, leaves(c)...)
		}
	}
	return out
}
