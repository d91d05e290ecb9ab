package algorithm

// ShouldStop applies the median stopping rule (Katib's medianstop, after
// Google Vizier) to a running trial; see medianstop.go.
func ShouldStop(trial Observation, completed []Observation, startStep int64, minTrials int, goal Goal) (bool, string) {
	return false, ""
}
