package algorithm

import (
	"errors"
	"math"
	"sort"
)

// Hyperband settings.
const (
	// settingMaxBudget is the largest budget (steps) a trial gets: R.
	settingMaxBudget = "maxBudget"
	// settingMinBudget is the smallest budget of a rung.
	settingMinBudget = "minBudget"
	// settingEta is the halving rate: each rung keeps the best 1/eta.
	settingEta = "eta"
)

// hyperband runs Hyperband (Li et al., 2018): brackets of successive
// halving with the step count as the budget. With R = maxBudget, eta and
// s_max = floor(log_eta(R/minBudget)), bracket s (from s_max down to 0)
// starts n = ceil((s_max+1)/(s+1) * eta^s) random configurations with
// budget R*eta^-s; each rung i of the bracket runs the best
// floor(n*eta^-i) trials of rung i-1 again with eta times the budget, up to
// R.
//
// Trials map to rungs by creation order: the schedule is the flat list of
// rungs (bracket s_max rung 0, rung 1, ..., then bracket s_max-1, ...), and
// trial N is the N-th slot of it. A rung-0 slot gets a random assignment
// drawn from the seed and N; a slot j of a later rung gets the assignment of
// the j-th best trial of the rung before it (failed trials rank last, ties
// go to the older trial), so it can only be proposed once every trial of
// that rung finished: until then Propose returns no proposal. A promoted
// trial is a new trial that runs from the start with the larger budget. The
// schedule, and so a restarted controller's next proposal, follows from the
// trials so far alone. Propose returns ErrExhausted after the last slot.
type hyperband struct{}

var _ Algorithm = hyperband{}

func (hyperband) Name() string { return NameHyperband }

// rung is one rung of the schedule: count trials with budget, the first of
// them trial first.
type rung struct {
	first, count int
	budget       int64
}

// hyperbandSchedule returns the rungs of every bracket in trial order, and
// for each rung the index of the rung it promotes from (-1 for rung 0).
func hyperbandSchedule(settings map[string]string) (rungs []rung, from []int) {
	maxBudget := settingValue(settings, NameHyperband, settingMaxBudget)
	minBudget := math.Min(settingValue(settings, NameHyperband, settingMinBudget), maxBudget)
	eta := settingValue(settings, NameHyperband, settingEta)
	sMax := int(math.Floor(math.Log(maxBudget/minBudget)/math.Log(eta) + eps))
	first := 0
	for s := sMax; s >= 0; s-- {
		n := math.Ceil(float64(sMax+1) / float64(s+1) * math.Pow(eta, float64(s)))
		r := maxBudget * math.Pow(eta, -float64(s))
		for i := 0; i <= s; i++ {
			count := int(math.Max(1, math.Floor(n*math.Pow(eta, -float64(i))+eps)))
			budget := int64(math.Min(maxBudget, math.Max(minBudget, math.Round(r*math.Pow(eta, float64(i))))))
			prev := -1
			if i > 0 {
				prev = len(rungs) - 1
			}
			rungs = append(rungs, rung{first: first, count: count, budget: budget})
			from = append(from, prev)
			first += count
		}
	}
	return rungs, from
}

// errWait ends a batch of proposals that must wait for running trials.
var errWait = errors.New("waiting for a rung to finish")

func (hyperband) Propose(req Request) ([]Proposal, error) {
	rungs, from := hyperbandSchedule(req.Settings)
	props, err := proposeEach(req, func(req Request, trial int) (Proposal, error) {
		k := sort.Search(len(rungs), func(i int) bool { return rungs[i].first+rungs[i].count > trial })
		if k == len(rungs) {
			return Proposal{}, ErrExhausted
		}
		rg := rungs[k]
		if from[k] < 0 {
			return Proposal{Assignment: sampleSpace(req.Space, newSource(req.Seed, trial, saltHyperband)), Budget: rg.budget}, nil
		}
		prev := rungs[from[k]]
		if len(req.Observations) < prev.first+prev.count {
			return Proposal{}, errWait
		}
		ranked := make([]int, 0, prev.count)
		for i := prev.first; i < prev.first+prev.count; i++ {
			if !req.Observations[i].State.Finished() {
				return Proposal{}, errWait
			}
			ranked = append(ranked, i)
		}
		sort.SliceStable(ranked, func(a, b int) bool {
			oa, ob := req.Observations[ranked[a]], req.Observations[ranked[b]]
			va, vb := oa.State.hasValue() && !math.IsNaN(oa.Value), ob.State.hasValue() && !math.IsNaN(ob.Value)
			if va != vb {
				return va
			}
			return va && req.Goal.better(oa.Value, ob.Value)
		})
		j := trial - rg.first
		return Proposal{Assignment: copyAssignment(req.Observations[ranked[j]].Assignment), Budget: rg.budget}, nil
	})
	if errors.Is(err, errWait) {
		err = nil
	}
	return props, err
}

func copyAssignment(a Assignment) Assignment {
	out := make(Assignment, len(a))
	for k, v := range a {
		out[k] = v
	}
	return out
}
