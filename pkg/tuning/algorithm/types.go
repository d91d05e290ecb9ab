package algorithm

import (
	"errors"
	"fmt"
	"sort"
)

// ParameterType is the kind of values a Parameter takes.
type ParameterType string

// The parameter types of a search space.
const (
	// Double is a real number in [Min, Max], on a Step grid when Step > 0.
	Double ParameterType = "double"
	// Int is a whole number in [Min, Max], every Step (1 when unset).
	Int ParameterType = "int"
	// Categorical is one of Values, unordered strings.
	Categorical ParameterType = "categorical"
	// Discrete is one of Values, numbers.
	Discrete ParameterType = "discrete"
)

// Parameter is one dimension of the search space.
type Parameter struct {
	Name   string
	Type   ParameterType
	Min    float64
	Max    float64
	Step   float64
	Values []string
	// Log samples Double and Int parameters uniformly in log space (Min > 0).
	Log bool
}

// Assignment maps a parameter name to its value as it is substituted into
// $(params.NAME).
type Assignment map[string]string

// TrialState is the state of a trial as the algorithms see it.
type TrialState string

// The trial states.
const (
	Running      TrialState = "Running"
	Succeeded    TrialState = "Succeeded"
	Failed       TrialState = "Failed"
	EarlyStopped TrialState = "EarlyStopped"
)

// Finished reports whether a trial in state s will report no more values.
func (s TrialState) Finished() bool {
	return s == Succeeded || s == Failed || s == EarlyStopped
}

// hasValue reports whether a trial in state s has an objective value.
func (s TrialState) hasValue() bool {
	return s == Succeeded || s == EarlyStopped
}

// Point is one reported value of the objective metric.
type Point struct {
	Step  int64
	Value float64
}

// Observation is one trial created so far: what it was given and, once it
// reported, what it measured.
type Observation struct {
	// Trial names the trial (for messages only).
	Trial      string
	Assignment Assignment
	// Value is the trial's objective value (last or best, as the caller
	// aggregates) and Step the step it was reported at. They are meaningful
	// when State is Succeeded or EarlyStopped; the caller reports a finished
	// trial that never reported its objective as Failed.
	Value float64
	Step  int64
	State TrialState
	// Series is the objective metric per step, in step order (for Hyperband
	// and the median stopping rule).
	Series []Point
}

// Goal says whether the objective is minimized or maximized.
type Goal string

// The goals.
const (
	Minimize Goal = "Minimize"
	Maximize Goal = "Maximize"
)

// better reports whether a is strictly better than b for goal g.
func (g Goal) better(a, b float64) bool {
	if g == Maximize {
		return a > b
	}
	return a < b
}

// Request asks an algorithm for the next proposals.
type Request struct {
	Space []Parameter
	Goal  Goal
	Seed  int64
	// Settings are the algorithm's settings (see ValidateSettings).
	Settings map[string]string
	// Observations are every trial created so far, in creation order.
	Observations []Observation
	// Count is the number of proposals wanted.
	Count int
	// MaxTrials bounds the number of trials in all (0 = unbounded).
	MaxTrials int
}

// Proposal is one trial to create.
type Proposal struct {
	Assignment Assignment
	// Budget is the largest step the trial should run to (Hyperband); 0 means
	// unlimited.
	Budget int64
}

// Algorithm proposes trials.
type Algorithm interface {
	// Name is the algorithm's name as spec.algorithm.name spells it.
	Name() string
	// Propose returns up to req.Count proposals. It may return fewer (none)
	// when it must wait for running trials to finish (Hyperband between
	// rungs). It returns ErrExhausted, with the proposals it still had, when
	// the search has nothing more to propose (grid done, Hyperband done).
	Propose(req Request) ([]Proposal, error)
}

// ErrExhausted is returned by Propose when the search space or schedule is
// exhausted: no trial beyond the returned ones will ever be proposed.
var ErrExhausted = errors.New("search exhausted")

// The algorithm names.
const (
	NameRandom    = "random"
	NameGrid      = "grid"
	NameTPE       = "tpe"
	NameHyperband = "hyperband"
)

var algorithms = map[string]Algorithm{
	NameRandom:    randomSearch{},
	NameGrid:      gridSearch{},
	NameTPE:       tpe{},
	NameHyperband: hyperband{},
}

// Names returns the names of the algorithms, sorted.
func Names() []string {
	names := make([]string, 0, len(algorithms))
	for n := range algorithms {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Get returns the algorithm called name.
func Get(name string) (Algorithm, error) {
	a, ok := algorithms[name]
	if !ok {
		return nil, fmt.Errorf("unknown algorithm %q (supported: %v)", name, Names())
	}
	return a, nil
}

// remaining returns how many proposals req may still get, honouring Count and
// MaxTrials.
func remaining(req Request) int {
	n := req.Count
	if req.MaxTrials > 0 && len(req.Observations)+n > req.MaxTrials {
		n = req.MaxTrials - len(req.Observations)
	}
	if n < 0 {
		return 0
	}
	return n
}

// proposeEach proposes up to remaining(req) trials one at a time, each from
// the observations so far plus the earlier proposals of this call as
// running trials, so a batch equals the same proposals asked for one by one.
func proposeEach(req Request, next func(req Request, trial int) (Proposal, error)) ([]Proposal, error) {
	n := remaining(req)
	obs := append([]Observation(nil), req.Observations...)
	var out []Proposal
	for i := 0; i < n; i++ {
		r := req
		r.Observations = obs
		p, err := next(r, len(obs))
		if err != nil {
			return out, err
		}
		out = append(out, p)
		obs = append(obs, Observation{Assignment: p.Assignment, State: Running})
	}
	return out, nil
}
