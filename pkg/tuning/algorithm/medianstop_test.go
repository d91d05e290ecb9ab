package algorithm

import (
	"strings"
	"testing"
)

// series returns points at steps 1, 2, ... with values.
func series(values ...float64) []Point {
	out := make([]Point, len(values))
	for i, v := range values {
		out[i] = Point{Step: int64(i + 1), Value: v}
	}
	return out
}

func TestShouldStop(t *testing.T) {
	// Three succeeded trials whose running averages at step 2 are 1.5, 2.5
	// and 3.5 (median 2.5), at step 3: 1.33, 2.33, 3.33 (median 2.33).
	completed := []Observation{
		{Trial: "a", State: Succeeded, Series: series(2, 1, 1, 1)},
		{Trial: "b", State: Succeeded, Series: series(3, 2, 2, 2)},
		{Trial: "c", State: Succeeded, Series: series(4, 3, 3, 3)},
	}
	for _, tc := range []struct {
		name      string
		trial     Observation
		completed []Observation
		startStep int64
		minTrials int
		goal      Goal
		want      bool
	}{
		{name: "worse than the median stops", trial: Observation{Trial: "x", Series: series(5, 2.6)}, completed: completed, goal: Minimize, want: true},
		{name: "the best so far counts, not the last", trial: Observation{Trial: "x", Series: series(2.4, 2.6)}, completed: completed, goal: Minimize},
		{name: "equal to the median runs on", trial: Observation{Trial: "x", Series: series(2.5, 2.6)}, completed: completed, goal: Minimize},
		{name: "better than the median runs on", trial: Observation{Trial: "x", Series: series(3, 2)}, completed: completed, goal: Minimize},
		{name: "averages up to the trial's step only", trial: Observation{Trial: "x", Series: series(9, 9, 2.4)}, completed: completed, goal: Minimize, want: true},
		{name: "before startStep runs on", trial: Observation{Trial: "x", Series: series(5, 2.6)}, completed: completed, startStep: 3, goal: Minimize},
		{name: "at startStep stops", trial: Observation{Trial: "x", Series: series(5, 2.6)}, completed: completed, startStep: 2, goal: Minimize, want: true},
		{name: "too few completed trials runs on", trial: Observation{Trial: "x", Series: series(5, 9)}, completed: completed[:2], goal: Minimize},
		{name: "minTrials 2 stops on two", trial: Observation{Trial: "x", Series: series(5, 9)}, completed: completed[:2], minTrials: 2, goal: Minimize, want: true},
		{name: "failed and early-stopped trials do not count", trial: Observation{Trial: "x", Series: series(5, 9)}, completed: append(completed[:2:2],
			Observation{Trial: "f", State: Failed, Series: series(1, 1)}, Observation{Trial: "e", State: EarlyStopped, Series: series(1, 1)}), goal: Minimize},
		{name: "trials with no point by the step do not count", trial: Observation{Trial: "x", Series: series(9)}, completed: append(completed[:2:2],
			Observation{Trial: "late", State: Succeeded, Series: []Point{{Step: 5, Value: 1}}}), goal: Minimize},
		{name: "maximize: worse is lower", trial: Observation{Trial: "x", Series: series(1, 2.4)}, completed: completed, goal: Maximize, want: true},
		{name: "maximize: higher runs on", trial: Observation{Trial: "x", Series: series(1, 2.6)}, completed: completed, goal: Maximize},
		{name: "no series runs on", trial: Observation{Trial: "x"}, completed: completed, goal: Minimize},
		{name: "the trial itself does not count", trial: Observation{Trial: "c", Series: series(4, 3)}, completed: completed, goal: Minimize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, reason := ShouldStop(tc.trial, tc.completed, tc.startStep, tc.minTrials, tc.goal)
			if got != tc.want {
				t.Fatalf("ShouldStop = %v (%q), want %v", got, reason, tc.want)
			}
			if got && !strings.Contains(reason, "median") {
				t.Errorf("reason %q does not say why", reason)
			}
			if !got && reason != "" {
				t.Errorf("reason %q for a trial that runs on", reason)
			}
		})
	}
}
