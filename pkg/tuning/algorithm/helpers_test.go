package algorithm

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the output of the tests")

// golden compares got with testdata/name.golden, or writes it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (go test -update writes it): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("proposals differ from %s (go test -update rewrites it) (-want +got):\n%s", path, diff)
	}
}

// objective evaluates a trial: the series of its objective per step up to
// budget (a budget of 0 runs defaultSteps), or failed.
type objective func(a Assignment, trial int, budget int64) (series []Point, failed bool)

const defaultSteps = 10

// search drives alg like a controller does: it keeps up to parallel trials
// running, asks for proposals, and finishes the oldest running trial (with
// the objective's series) whenever it cannot start more. It returns every
// trial created, in creation order, the budget each was proposed with, and
// the trials that existed when each was proposed (with their states then:
// the earlier proposals of its batch are running).
func search(t *testing.T, alg Algorithm, req Request, parallel int, f objective) (obs []Observation, budgets []int64, before [][]Observation) {
	t.Helper()
	finishOldest := func() bool {
		for i := range obs {
			if obs[i].State != Running {
				continue
			}
			series, failed := f(obs[i].Assignment, i, budgets[i])
			obs[i].Series = series
			if failed || len(series) == 0 {
				obs[i].State = Failed
				return true
			}
			last := series[len(series)-1]
			obs[i].State, obs[i].Value, obs[i].Step = Succeeded, last.Value, last.Step
			return true
		}
		return false
	}
	for guard := 0; guard < 5000; guard++ {
		running := 0
		for _, o := range obs {
			if o.State == Running {
				running++
			}
		}
		r := req
		r.Observations = append([]Observation(nil), obs...)
		r.Count = parallel - running
		props, err := alg.Propose(r)
		for _, p := range props {
			before = append(before, snapshot(obs))
			obs = append(obs, Observation{Trial: fmt.Sprintf("t%d", len(obs)), Assignment: p.Assignment, State: Running})
			budgets = append(budgets, p.Budget)
		}
		if err != nil && !errors.Is(err, ErrExhausted) {
			t.Fatalf("propose after %d trials: %v", len(obs), err)
		}
		done := errors.Is(err, ErrExhausted) || (req.MaxTrials > 0 && len(obs) >= req.MaxTrials)
		if len(props) == 0 || done {
			if !finishOldest() {
				return obs, budgets, before
			}
			continue
		}
		if len(props) < r.Count {
			finishOldest()
		}
	}
	t.Fatal("search did not end")
	return nil, nil, nil
}

// snapshot deep-copies obs, as a restarted controller rebuilds them from
// the stored trials.
func snapshot(obs []Observation) []Observation {
	out := make([]Observation, len(obs))
	for i, o := range obs {
		o.Assignment = copyAssignment(o.Assignment)
		o.Series = append([]Point(nil), o.Series...)
		out[i] = o
	}
	return out
}

// format renders trials one a line: index, budget, state, value and the
// assignment in name order.
func format(obs []Observation, budgets []int64) string {
	var b strings.Builder
	for i, o := range obs {
		names := make([]string, 0, len(o.Assignment))
		for n := range o.Assignment {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintf(&b, "%3d", i)
		if budgets != nil {
			fmt.Fprintf(&b, " budget=%d", budgets[i])
		}
		for _, n := range names {
			fmt.Fprintf(&b, " %s=%s", n, o.Assignment[n])
		}
		if o.State.hasValue() {
			fmt.Fprintf(&b, " -> %.4g", o.Value)
		} else if o.State != Running {
			fmt.Fprintf(&b, " -> %s", o.State)
		}
		b.WriteString("\n")
	}
	return b.String()
}
