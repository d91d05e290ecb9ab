package mlquota

// maxAntichain returns a heaviest antichain of a DAG — a set of nodes no
// two of which are ordered, that is, tasks that can all be running at the
// same time — and its weight. deps[i] are the nodes that node i waits for;
// weights are non-negative and their sum must fit well in an int64.
//
// It is the weighted form of Dilworth's theorem: the heaviest antichain
// weighs as much as the least flow through the DAG that passes every node
// at least its weight times. That minimal flow is the sum of the weights
// less a maximum flow in the network below, and the antichain is read off
// the minimum cut (nodes whose exit the source reaches and whose entry it
// does not).
//
//	source -> out(i)  capacity w(i)   (node i starts a path)
//	in(i)  -> sink    capacity w(i)   (node i ends a path)
//	in(i)  -> out(i)  unbounded       (a path passes through node i)
//	out(d) -> in(i)   unbounded       for every d in deps[i]
func maxAntichain(weights []int64, deps [][]int) (int64, []int) {
	n := len(weights)
	var total int64
	for _, w := range weights {
		total += w
	}
	if total == 0 {
		return 0, nil
	}
	inNode := func(i int) int { return 2 * i }
	outNode := func(i int) int { return 2*i + 1 }
	source, sink := 2*n, 2*n+1
	edges := 3 * n
	for _, d := range deps {
		edges += len(d)
	}
	g := newFlowGraph(2*n+2, edges)
	unbounded := total + 1
	for i, w := range weights {
		if w > 0 {
			g.add(source, outNode(i), w)
			g.add(inNode(i), sink, w)
		}
		g.add(inNode(i), outNode(i), unbounded)
		for _, d := range deps[i] {
			g.add(outNode(d), inNode(i), unbounded)
		}
	}
	flow := g.maxFlow(source, sink)
	reached := g.reachable(source)
	var set []int
	for i, w := range weights {
		if w > 0 && reached[outNode(i)] && !reached[inNode(i)] {
			set = append(set, i)
		}
	}
	return total - flow, set
}

// flowGraph is a network for Dinic's maximum flow algorithm.
type flowGraph struct {
	// edges holds each edge followed by its residual twin: edge e^1 is
	// the reverse of e.
	to          []int
	capacity    []int64
	adj         [][]int
	level, next []int
}

// newFlowGraph returns a network of n nodes with room for edges edges.
func newFlowGraph(n, edges int) *flowGraph {
	return &flowGraph{
		to: make([]int, 0, 2*edges), capacity: make([]int64, 0, 2*edges),
		adj: make([][]int, n), level: make([]int, n), next: make([]int, n),
	}
}

func (g *flowGraph) add(from, to int, capacity int64) {
	g.adj[from] = append(g.adj[from], len(g.to))
	g.to, g.capacity = append(g.to, to), append(g.capacity, capacity)
	g.adj[to] = append(g.adj[to], len(g.to))
	g.to, g.capacity = append(g.to, from), append(g.capacity, 0)
}

func (g *flowGraph) maxFlow(source, sink int) int64 {
	var flow int64
	for g.levels(source, sink) {
		clear(g.next)
		for {
			f := g.push(source, sink, 1<<62)
			if f == 0 {
				break
			}
			flow += f
		}
	}
	return flow
}

// levels numbers the nodes by their distance from source in the residual
// network, and says whether sink is reachable.
func (g *flowGraph) levels(source, sink int) bool {
	for i := range g.level {
		g.level[i] = -1
	}
	g.level[source] = 0
	queue := []int{source}
	for k := 0; k < len(queue); k++ {
		u := queue[k]
		for _, e := range g.adj[u] {
			v := g.to[e]
			if g.capacity[e] > 0 && g.level[v] < 0 {
				g.level[v] = g.level[u] + 1
				queue = append(queue, v)
			}
		}
	}
	return g.level[sink] >= 0
}

// push sends up to limit along a shortest augmenting path from u.
func (g *flowGraph) push(u, sink int, limit int64) int64 {
	if u == sink {
		return limit
	}
	for ; g.next[u] < len(g.adj[u]); g.next[u]++ {
		e := g.adj[u][g.next[u]]
		v := g.to[e]
		if g.capacity[e] <= 0 || g.level[v] != g.level[u]+1 {
			continue
		}
		if f := g.push(v, sink, min(limit, g.capacity[e])); f > 0 {
			g.capacity[e] -= f
			g.capacity[e^1] += f
			return f
		}
	}
	return 0
}

// reachable marks the nodes reachable from source in the residual network.
func (g *flowGraph) reachable(source int) []bool {
	seen := make([]bool, len(g.adj))
	seen[source] = true
	stack := []int{source}
	for len(stack) > 0 {
		u := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, e := range g.adj[u] {
			if v := g.to[e]; g.capacity[e] > 0 && !seen[v] {
				seen[v] = true
				stack = append(stack, v)
			}
		}
	}
	return seen
}
