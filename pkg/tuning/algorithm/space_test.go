package algorithm

import (
	"errors"
	"math"
	"strconv"
	"testing"
)

// TestSamplesInSpace checks every algorithm's proposals against the space:
// numbers within [min, max], ints whole, stepped values on the grid, choices
// among the values, and every choice proposed at some point.
func TestSamplesInSpace(t *testing.T) {
	space := []Parameter{
		{Name: "lr", Type: Double, Min: 1e-4, Max: 1e-1, Log: true},
		{Name: "momentum", Type: Double, Min: 0.5, Max: 0.99},
		{Name: "dropout", Type: Double, Min: 0.1, Max: 0.5, Step: 0.1},
		{Name: "layers", Type: Int, Min: 1, Max: 4},
		{Name: "units", Type: Int, Min: 16, Max: 512, Step: 16, Log: true},
		{Name: "optimizer", Type: Categorical, Values: []string{"sgd", "adam", "rmsprop"}},
		{Name: "batch", Type: Discrete, Values: []string{"32", "64", "128"}},
	}
	for _, name := range []string{NameRandom, NameTPE, NameHyperband} {
		t.Run(name, func(t *testing.T) {
			alg, _ := Get(name)
			obs, _, _ := search(t, alg, Request{Space: space, Goal: Maximize, Seed: 3, MaxTrials: 60, Settings: map[string]string{}}, 2, testObjective)
			seen := map[string]map[string]bool{}
			for i, o := range obs {
				for _, p := range space {
					v, ok := o.Assignment[p.Name]
					if !ok {
						t.Fatalf("trial %d has no %s", i, p.Name)
					}
					if seen[p.Name] == nil {
						seen[p.Name] = map[string]bool{}
					}
					seen[p.Name][v] = true
					if p.choices() {
						if p.choiceIndex(v) < 0 {
							t.Errorf("trial %d: %s=%s is not one of %v", i, p.Name, v, p.Values)
						}
						continue
					}
					f, err := strconv.ParseFloat(v, 64)
					if err != nil || f < p.Min || f > p.Max {
						t.Errorf("trial %d: %s=%s is not within [%v, %v]", i, p.Name, v, p.Min, p.Max)
					}
					if st := p.step(); st > 0 {
						if k := (f - p.Min) / st; math.Abs(k-math.Round(k)) > 1e-6 {
							t.Errorf("trial %d: %s=%s is not on the grid of step %v from %v", i, p.Name, v, st, p.Min)
						}
					}
				}
			}
			for _, p := range space {
				if p.choices() && len(seen[p.Name]) != len(p.Values) {
					t.Errorf("%s: only %v proposed of %v", p.Name, seen[p.Name], p.Values)
				}
			}
		})
	}
}

func TestGridExhausted(t *testing.T) {
	space := []Parameter{{Name: "a", Type: Int, Min: 1, Max: 3}, {Name: "b", Type: Categorical, Values: []string{"x", "y"}}}
	if got := GridSize(space); got != 6 {
		t.Fatalf("GridSize = %d, want 6", got)
	}
	alg, _ := Get(NameGrid)
	obs := make([]Observation, 4)
	props, err := alg.Propose(Request{Space: space, Observations: obs, Count: 5})
	if !errors.Is(err, ErrExhausted) || len(props) != 2 {
		t.Fatalf("after 4 of 6 points: %d proposals, %v; want the last 2 and ErrExhausted", len(props), err)
	}
	if props[0].Assignment["a"] != "3" || props[0].Assignment["b"] != "x" || props[1].Assignment["b"] != "y" {
		t.Errorf("last points = %v, want a=3 b=x then a=3 b=y", props)
	}
	props, err = alg.Propose(Request{Space: space, Observations: make([]Observation, 6), Count: 1})
	if !errors.Is(err, ErrExhausted) || len(props) != 0 {
		t.Errorf("after every point: %d proposals, %v; want none and ErrExhausted", len(props), err)
	}
	props, err = alg.Propose(Request{Space: space, Observations: obs, Count: 5, MaxTrials: 5})
	if err != nil || len(props) != 1 {
		t.Errorf("with maxTrials 5 after 4: %d proposals, %v; want 1", len(props), err)
	}
}

func TestHyperbandSchedule(t *testing.T) {
	// R=81, eta=3 is the example of the Hyperband paper (table 1).
	rungs, from := hyperbandSchedule(map[string]string{"maxBudget": "81", "eta": "3"})
	type nr struct {
		n int
		r int64
	}
	want := []nr{{81, 1}, {27, 3}, {9, 9}, {3, 27}, {1, 81}, {34, 3}, {11, 9}, {3, 27}, {1, 81}, {15, 9}, {5, 27}, {1, 81}, {8, 27}, {2, 81}, {5, 81}}
	if len(rungs) != len(want) {
		t.Fatalf("%d rungs, want %d: %+v", len(rungs), len(want), rungs)
	}
	first := 0
	for i, w := range want {
		if rungs[i].count != w.n || rungs[i].budget != w.r || rungs[i].first != first {
			t.Errorf("rung %d = %+v, want %d trials of budget %d from trial %d", i, rungs[i], w.n, w.r, first)
		}
		first += w.n
	}
	if from[0] != -1 || from[1] != 0 || from[5] != -1 || from[6] != 5 {
		t.Errorf("promotions %v: rung 1 promotes from rung 0, rung 5 starts bracket 3", from)
	}
}

// TestHyperbandPromotion: a later rung waits for the rung before it to
// finish, then re-proposes its best assignments (by the goal; failed trials
// last) with the larger budget; after the last slot the search is over.
func TestHyperbandPromotion(t *testing.T) {
	alg, _ := Get(NameHyperband)
	// maxBudget 9, minBudget 3, eta 3: bracket 1 is 3 trials of 3 steps and
	// the best 1 of them with 9; bracket 0 is 2 trials of 9 steps.
	req := Request{Space: []Parameter{{Name: "x", Type: Int, Min: 1, Max: 100}}, Goal: Maximize, Seed: 1,
		Settings: map[string]string{"maxBudget": "9", "minBudget": "3"}, Count: 3}
	props, err := alg.Propose(req)
	if err != nil || len(props) != 3 || props[0].Budget != 3 || props[2].Budget != 3 {
		t.Fatalf("rung 0: %+v, %v; want 3 proposals of budget 3", props, err)
	}
	obs := []Observation{
		{Assignment: props[0].Assignment, State: Succeeded, Value: 0.5},
		{Assignment: props[1].Assignment, State: Failed},
		{Assignment: props[2].Assignment, State: Running},
	}
	req.Observations = obs
	if props, err := alg.Propose(req); err != nil || len(props) != 0 {
		t.Fatalf("while rung 0 runs: %+v, %v; want to wait", props, err)
	}
	obs[2].State, obs[2].Value = EarlyStopped, 0.9
	got, err := alg.Propose(req)
	// The promotion, then bracket 0, which depends on no earlier rung.
	if err != nil || len(got) != 3 || got[0].Budget != 9 || got[0].Assignment["x"] != obs[2].Assignment["x"] || got[1].Budget != 9 || got[2].Budget != 9 {
		t.Fatalf("rung 1 and bracket 0: %+v, %v; want the assignment of the best trial (%v) then 2 new ones, all with budget 9", got, err, obs[2].Assignment)
	}
	for _, p := range got {
		req.Observations = append(req.Observations, Observation{Assignment: p.Assignment, State: Running})
	}
	got, err = alg.Propose(req)
	if !errors.Is(err, ErrExhausted) || len(got) != 0 {
		t.Fatalf("after the last slot: %+v, %v; want ErrExhausted", got, err)
	}
}
