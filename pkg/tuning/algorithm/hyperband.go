package algorithm

// Hyperband settings.
const (
	settingMaxBudget = "maxBudget"
	settingMinBudget = "minBudget"
	settingEta       = "eta"
)

// hyperband runs brackets of successive halving.
type hyperband struct{}

var _ Algorithm = hyperband{}

func (hyperband) Name() string { return NameHyperband }

func (hyperband) Propose(req Request) ([]Proposal, error) {
	return proposeEach(req, func(req Request, trial int) (Proposal, error) {
		return Proposal{Assignment: sampleSpace(req.Space, newSource(req.Seed, trial, saltHyperband))}, nil
	})
}
