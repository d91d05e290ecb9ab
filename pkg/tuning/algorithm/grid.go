package algorithm

// gridSearch walks the cartesian product of the parameters' values in a fixed
// order: the last parameter of the space varies fastest. Trial N gets grid
// point N, so a restarted search resumes by counting the trials it has; it
// returns ErrExhausted once every point was proposed.
type gridSearch struct{}

var _ Algorithm = gridSearch{}

func (gridSearch) Name() string { return NameGrid }

func (gridSearch) Propose(req Request) ([]Proposal, error) {
	size := GridSize(req.Space)
	return proposeEach(req, func(req Request, trial int) (Proposal, error) {
		if size >= 0 && trial >= size {
			return Proposal{}, ErrExhausted
		}
		a := make(Assignment, len(req.Space))
		idx := trial
		for i := len(req.Space) - 1; i >= 0; i-- {
			p := req.Space[i]
			n := p.gridSize()
			a[p.Name] = p.gridValue(idx % n)
			idx /= n
		}
		return Proposal{Assignment: a}, nil
	})
}

// GridSize returns the number of points of the grid over space, or -1 when
// it exceeds the largest int (or a parameter has no grid). It is what a
// grid search over space runs at most.
func GridSize(space []Parameter) int {
	const maxInt = int(^uint(0) >> 1)
	size := 1
	for _, p := range space {
		n := p.gridSize()
		if n <= 0 {
			return -1
		}
		if size > maxInt/n {
			return -1
		}
		size *= n
	}
	return size
}
