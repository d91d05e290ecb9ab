package plan

import (
	"fmt"
	"slices"

	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

// MaxRunInstances is the most forEach instances one run may have unless
// Input.MaxRunInstances says otherwise (--max-run-instances).
const MaxRunInstances = int(validation.DefaultMaxRunInstances)

// maxRunInstances is the run's cap of forEach instances.
func (in *Input) maxRunInstances() int {
	if in.MaxRunInstances > 0 {
		return int(in.MaxRunInstances)
	}
	return MaxRunInstances
}

// instanceCount is the number of forEach instances of the run so far.
func (p *planner) instanceCount() int {
	n := 0
	for ni := range p.byNode {
		if p.expanded[ni] {
			n += len(p.byNode[ni])
		}
	}
	return n
}

// tooManyInstances says why expanding a forEach node into n instances
// would pass the run's cap, or "" when it would not.
func (p *planner) tooManyInstances(n int) string {
	have, limit := p.instanceCount(), p.in.maxRunInstances()
	if have+n <= limit {
		return ""
	}
	return fmt.Sprintf("forEach has %d items; with the %d instances the run has, more than the limit of %d per run (the server's --max-run-instances)", n, have, limit)
}

// nodeCapacity is how many more attempts of node ni may start now: the
// run's capacity, and for a forEach task its forEach.parallelism.
func (p *planner) nodeCapacity(ni int) int {
	c := p.capacity()
	if fe := p.g.nodes[ni].task.ForEach; fe != nil && fe.Parallelism != nil {
		c = min(c, int(*fe.Parallelism)-p.nodeRunning[ni])
	}
	return c
}

// countRunning records that an attempt of entry i started (delta 1) or
// stopped (-1) running, for the parallelism of its node.
func (p *planner) countRunning(i, delta int) {
	if ni, ok := p.taskOf(&p.entries[i]); ok {
		p.nodeRunning[ni] += delta
	}
}

// position is where entry i is among the entries of node ni, found by
// bisection: byNode lists each node's entries in ascending order.
func (p *planner) position(ni, i int) int {
	k, found := slices.BinarySearch(p.byNode[ni], i)
	if !found {
		return -1
	}
	return k
}

// readVariables are the variables node ni reads, parsed once per plan: the
// instances of a forEach task share them.
func (p *planner) readVariables(ni int) []string {
	if v, ok := p.readVars[ni]; ok {
		return v
	}
	if p.readVars == nil {
		p.readVars = map[int][]string{}
	}
	v := reads(p.g.nodes[ni].task)
	p.readVars[ni] = v
	return v
}
