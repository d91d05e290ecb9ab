package algorithm

// randomSearch draws every parameter independently and uniformly (log-
// uniformly for Log parameters). Trial N's assignment depends only on the
// seed and N.
type randomSearch struct{}

var _ Algorithm = randomSearch{}

// saltRandom separates the random streams of the algorithms.
const (
	saltRandom uint64 = iota + 1
	saltTPE
	saltHyperband
)

func (randomSearch) Name() string { return NameRandom }

func (randomSearch) Propose(req Request) ([]Proposal, error) {
	return proposeEach(req, func(req Request, trial int) (Proposal, error) {
		return Proposal{Assignment: sampleSpace(req.Space, newSource(req.Seed, trial, saltRandom))}, nil
	})
}

// sampleSpace draws one uniform assignment of space.
func sampleSpace(space []Parameter, src *source) Assignment {
	a := make(Assignment, len(space))
	for _, p := range space {
		a[p.Name] = p.sampleUniform(src)
	}
	return a
}
