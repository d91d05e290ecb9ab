package algorithm

import (
	"math"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testSpace has one parameter of each kind.
var testSpace = []Parameter{
	{Name: "lr", Type: Double, Min: 1e-4, Max: 1e-1, Log: true},
	{Name: "dropout", Type: Double, Min: 0, Max: 0.5, Step: 0.1},
	{Name: "layers", Type: Int, Min: 1, Max: 4},
	{Name: "optimizer", Type: Categorical, Values: []string{"sgd", "adam", "rmsprop"}},
	{Name: "batch", Type: Discrete, Values: []string{"32", "64", "128"}},
}

// testObjective is a smooth loss over testSpace with its optimum at lr=0.01,
// dropout=0.2, layers=3, optimizer=adam, batch=64, decaying over the steps.
func testObjective(a Assignment, trial int, budget int64) ([]Point, bool) {
	// num returns a numeric parameter, its optimum when absent.
	num := func(name string, optimum float64) float64 {
		v, err := strconv.ParseFloat(a[name], 64)
		if err != nil {
			return optimum
		}
		return v
	}
	loss := math.Pow(math.Log10(num("lr", 0.01))+2, 2) + 4*math.Pow(num("dropout", 0.2)-0.2, 2) + 0.3*math.Abs(num("layers", 3)-3)
	if o, ok := a["optimizer"]; ok && o != "adam" {
		loss += 0.5
	}
	if b, ok := a["batch"]; ok && b != "64" {
		loss += 0.2
	}
	steps := budget
	if steps <= 0 {
		steps = defaultSteps
	}
	series := make([]Point, 0, steps)
	for s := int64(1); s <= steps; s++ {
		series = append(series, Point{Step: s, Value: loss + 1/float64(s)})
	}
	return series, false
}

func TestProposalsGolden(t *testing.T) {
	for _, tc := range []struct {
		algorithm string
		space     []Parameter
		settings  map[string]string
		maxTrials int
		parallel  int
	}{
		{algorithm: NameRandom, space: testSpace, maxTrials: 12, parallel: 3},
		{algorithm: NameGrid, space: []Parameter{
			{Name: "dropout", Type: Double, Min: 0, Max: 0.3, Step: 0.1},
			{Name: "layers", Type: Int, Min: 1, Max: 5, Step: 2},
			{Name: "optimizer", Type: Categorical, Values: []string{"sgd", "adam"}},
		}, maxTrials: 100, parallel: 4},
		{algorithm: NameTPE, space: testSpace, settings: map[string]string{"nStartupTrials": "5"}, maxTrials: 30, parallel: 3},
		{algorithm: NameHyperband, space: testSpace, settings: map[string]string{"maxBudget": "9", "eta": "3"}, maxTrials: 100, parallel: 3},
	} {
		t.Run(tc.algorithm, func(t *testing.T) {
			alg, err := Get(tc.algorithm)
			if err != nil {
				t.Fatal(err)
			}
			obs, budgets, _ := search(t, alg, Request{Space: tc.space, Goal: Minimize, Seed: 42, Settings: tc.settings, MaxTrials: tc.maxTrials}, tc.parallel, testObjective)
			if tc.algorithm != NameHyperband {
				budgets = nil
			}
			golden(t, tc.algorithm, format(obs, budgets))
		})
	}
}

// TestRestartRecovery checks that a controller that restarts, and rebuilds
// its observations from the stored trials, proposes what an uninterrupted
// one did: for every trial of a search run in batches of parallel trials,
// asking afresh for one proposal from the trials that existed when it was
// proposed (its batch-mates now stored as running trials) gives the same
// assignment and budget.
func TestRestartRecovery(t *testing.T) {
	for _, tc := range []struct {
		algorithm string
		settings  map[string]string
	}{
		{algorithm: NameRandom},
		{algorithm: NameGrid},
		{algorithm: NameTPE, settings: map[string]string{"nStartupTrials": "4"}},
		{algorithm: NameHyperband, settings: map[string]string{"maxBudget": "27"}},
	} {
		t.Run(tc.algorithm, func(t *testing.T) {
			alg, _ := Get(tc.algorithm)
			space := testSpace
			if tc.algorithm == NameGrid {
				space = []Parameter{{Name: "dropout", Type: Double, Min: 0, Max: 0.5, Step: 0.1}, {Name: "layers", Type: Int, Min: 1, Max: 4}}
			}
			req := Request{Space: space, Goal: Minimize, Seed: 7, Settings: tc.settings, MaxTrials: 40}
			obs, budgets, before := search(t, alg, req, 4, testObjective)
			if len(obs) < 20 {
				t.Fatalf("only %d trials", len(obs))
			}
			for i := range obs {
				restarted, _ := Get(tc.algorithm)
				r := req
				r.Observations = before[i]
				r.Count = 1
				props, err := restarted.Propose(r)
				if err != nil || len(props) != 1 {
					t.Fatalf("trial %d after a restart: %d proposals, %v", i, len(props), err)
				}
				want := Proposal{Assignment: obs[i].Assignment, Budget: budgets[i]}
				if diff := cmp.Diff(want, props[0]); diff != "" {
					t.Errorf("trial %d after a restart (-uninterrupted +restarted):\n%s", i, diff)
				}
			}
		})
	}
}
