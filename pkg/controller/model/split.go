package model

// SplitReplicas divides total replicas between the stable and the canary
// Deployment for a canary that gets trafficPercent of the traffic.
//
// The split is by replica ratio, rounded half up: canary = round(total *
// trafficPercent / 100), stable = total - canary. While both versions are
// asked for (0 < trafficPercent < 100) and there are at least two replicas,
// each keeps at least one, so that a 1% canary of 10 replicas still runs
// and a 99% one still leaves the stable version serving. With a single
// replica only one version can run: the canary when trafficPercent >= 50.
// trafficPercent 0 gives the canary nothing, 100 gives it everything;
// values outside 0..100 are clamped (validation refuses them).
func SplitReplicas(total, trafficPercent int32) (stable, canary int32) {
	if total <= 0 {
		return 0, 0
	}
	p := min(max(trafficPercent, 0), 100)
	canary = int32((int64(total)*int64(p) + 50) / 100)
	if p > 0 && p < 100 && total >= 2 {
		canary = min(max(canary, 1), total-1)
	}
	return total - canary, canary
}
