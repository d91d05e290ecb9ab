package algorithm

import (
	"fmt"
	"math"
	"sort"
)

// DefaultMedianStopMinTrials is the number of succeeded trials the median
// stopping rule needs before it stops anything, when the caller gives none
// (Katib's min_trials_required).
const DefaultMedianStopMinTrials = 3

// ShouldStop applies the median stopping rule (Katib's medianstop, after
// Google Vizier) to a running trial: at the trial's latest step s (at least
// startStep), it is stopped when its best objective value up to s is
// strictly worse than the median, over the succeeded trials that reported
// at or before s, of each one's running average of the objective up to s.
// It needs at least minTrials such trials (DefaultMedianStopMinTrials when
// minTrials <= 0). Only completed trials in state Succeeded count; the trial
// itself (by name) never does. reason says why in a sentence fit for a
// condition message.
func ShouldStop(trial Observation, completed []Observation, startStep int64, minTrials int, goal Goal) (bool, string) {
	if minTrials <= 0 {
		minTrials = DefaultMedianStopMinTrials
	}
	if len(trial.Series) == 0 {
		return false, ""
	}
	step := trial.Series[len(trial.Series)-1].Step
	if step < startStep {
		return false, ""
	}
	best, seen := 0.0, false
	for _, p := range trial.Series {
		if p.Step > step || math.IsNaN(p.Value) {
			continue
		}
		if !seen || goal.better(p.Value, best) {
			best, seen = p.Value, true
		}
	}
	if !seen {
		return false, ""
	}
	var averages []float64
	for _, c := range completed {
		if c.State != Succeeded || (trial.Trial != "" && c.Trial == trial.Trial) {
			continue
		}
		sum, n := 0.0, 0
		for _, p := range c.Series {
			if p.Step <= step && !math.IsNaN(p.Value) {
				sum += p.Value
				n++
			}
		}
		if n > 0 {
			averages = append(averages, sum/float64(n))
		}
	}
	if len(averages) < minTrials {
		return false, ""
	}
	median := medianOf(averages)
	if !goal.better(median, best) {
		return false, ""
	}
	return true, fmt.Sprintf("its best objective value %.6g by step %d is worse than %.6g, the median of the running averages of %d succeeded trials up to that step",
		best, step, median, len(averages))
}

// medianOf returns the median of xs (not empty); it sorts xs.
func medianOf(xs []float64) float64 {
	sort.Float64s(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
