package algorithm

import (
	"math"
	"sort"
)

// TPE settings.
const (
	// settingStartupTrials is how many trials with a value TPE needs before
	// it models; until then it samples like random search.
	settingStartupTrials = "nStartupTrials"
	// settingEICandidates is how many candidates it draws from l(x) per
	// parameter to pick the best l(x)/g(x) of.
	settingEICandidates = "nEICandidates"
	// settingGamma is the fraction of trials that are "good" (at most 25).
	settingGamma = "gamma"
)

// maxGoodTrials caps the good set, as Optuna's default gamma does.
const maxGoodTrials = 25

// tpe is the tree-structured Parzen estimator, univariate as Optuna's
// default TPESampler and Hyperopt: the trials with a value are split into
// the good (the best gamma fraction, at most 25) and the rest; for each
// parameter a Parzen estimator l(x) is fitted to the good values and g(x) to
// the others, candidates are drawn from l(x), and the candidate with the
// largest l(x)/g(x) is proposed. Trials that were early-stopped rank after
// every succeeded trial; running and failed trials are left out. Until
// nStartupTrials trials have a value it proposes random samples.
type tpe struct{}

var _ Algorithm = tpe{}

func (tpe) Name() string { return NameTPE }

func (tpe) Propose(req Request) ([]Proposal, error) {
	startup := int(settingValue(req.Settings, NameTPE, settingStartupTrials))
	candidates := int(settingValue(req.Settings, NameTPE, settingEICandidates))
	gamma := settingValue(req.Settings, NameTPE, settingGamma)
	return proposeEach(req, func(req Request, trial int) (Proposal, error) {
		src := newSource(req.Seed, trial, saltTPE)
		good, bad := splitObservations(req.Observations, req.Goal, gamma)
		if len(good)+len(bad) < startup {
			return Proposal{Assignment: sampleSpace(req.Space, src)}, nil
		}
		a := make(Assignment, len(req.Space))
		for _, p := range req.Space {
			a[p.Name] = proposeParameter(p, good, bad, candidates, src)
		}
		return Proposal{Assignment: a}, nil
	})
}

// splitObservations returns the good and the bad trials with a value, each
// in creation order.
func splitObservations(obs []Observation, goal Goal, gamma float64) (good, bad []Observation) {
	var ranked []int
	for i, o := range obs {
		if o.State.hasValue() && !math.IsNaN(o.Value) && !math.IsInf(o.Value, 0) {
			ranked = append(ranked, i)
		}
	}
	if len(ranked) == 0 {
		return nil, nil
	}
	sort.SliceStable(ranked, func(a, b int) bool {
		oa, ob := obs[ranked[a]], obs[ranked[b]]
		if (oa.State == EarlyStopped) != (ob.State == EarlyStopped) {
			return ob.State == EarlyStopped
		}
		return goal.better(oa.Value, ob.Value)
	})
	nGood := int(math.Min(math.Ceil(gamma*float64(len(ranked))), maxGoodTrials))
	nGood = max(nGood, 1)
	isGood := make(map[int]bool, nGood)
	for _, i := range ranked[:nGood] {
		isGood[i] = true
	}
	for i, o := range obs {
		if !o.State.hasValue() || math.IsNaN(o.Value) || math.IsInf(o.Value, 0) {
			continue
		}
		if isGood[i] {
			good = append(good, o)
		} else {
			bad = append(bad, o)
		}
	}
	return good, bad
}

// proposeParameter picks the value of p among candidates drawn from the
// good trials' estimator, by the largest log l(x) - log g(x).
func proposeParameter(p Parameter, good, bad []Observation, candidates int, src *source) string {
	if p.choices() {
		l := newCategoricalMixture(choiceIndexes(p, good), len(p.Values))
		g := newCategoricalMixture(choiceIndexes(p, bad), len(p.Values))
		best, bestScore := 0, math.Inf(-1)
		for range candidates {
			c := l.sample(src)
			if s := l.logPMF(c) - g.logPMF(c); s > bestScore {
				best, bestScore = c, s
			}
		}
		return p.Values[best]
	}
	lo, hi := p.bounds()
	if st := p.step(); st > 0 && !p.Log {
		// Widen by half a step so the end points get their share.
		lo, hi = lo-st/2, hi+st/2
	}
	l := newTruncNormalMixture(numericValues(p, good), lo, hi)
	g := newTruncNormalMixture(numericValues(p, bad), lo, hi)
	best, bestScore := l.mus[len(l.mus)-1], math.Inf(-1)
	for range candidates {
		x := l.sample(src)
		// Score the value the trial would get, snapped to p's grid.
		if v, ok := p.parseInternal(p.fromInternal(x)); ok {
			x = v
		}
		if s := l.logPDF(x) - g.logPDF(x); s > bestScore {
			best, bestScore = x, s
		}
	}
	return p.fromInternal(best)
}

// choiceIndexes returns the index of p's choice in each observation that
// has one.
func choiceIndexes(p Parameter, obs []Observation) []int {
	var idx []int
	for _, o := range obs {
		if i := p.choiceIndex(o.Assignment[p.Name]); i >= 0 {
			idx = append(idx, i)
		}
	}
	return idx
}

// numericValues returns p's value in search space of each observation that
// has a valid one.
func numericValues(p Parameter, obs []Observation) []float64 {
	var xs []float64
	for _, o := range obs {
		if x, ok := p.parseInternal(o.Assignment[p.Name]); ok {
			xs = append(xs, x)
		}
	}
	return xs
}
