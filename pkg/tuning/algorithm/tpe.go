package algorithm

// TPE settings.
const (
	settingStartupTrials = "nStartupTrials"
	settingEICandidates  = "nEICandidates"
	settingGamma         = "gamma"
)

// tpe is the tree-structured Parzen estimator.
type tpe struct{}

var _ Algorithm = tpe{}

func (tpe) Name() string { return NameTPE }

func (tpe) Propose(req Request) ([]Proposal, error) {
	return proposeEach(req, func(req Request, trial int) (Proposal, error) {
		return Proposal{Assignment: sampleSpace(req.Space, newSource(req.Seed, trial, saltTPE))}, nil
	})
}
