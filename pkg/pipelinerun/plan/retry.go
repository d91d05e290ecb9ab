package plan

import (
	"time"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// defaultRetryFactor is the factor of a backoff that does not set one, as
// the API defaults it.
const defaultRetryFactor = 2

// RetryDelay is how long to wait before retry n (1 for the first retry) of
// a task with policy: backoff.duration, multiplied by backoff.factor for
// each retry after the first, capped at backoff.maxDuration. Without a
// backoff a retry starts at once. Durations that do not parse count as 0:
// validation rejects them before a run exists.
func RetryDelay(policy *ml.RetryPolicy, n int) time.Duration {
	if policy == nil || policy.Backoff == nil || n < 1 {
		return 0
	}
	b := policy.Backoff
	d, _ := b.Duration.Parse()
	if d <= 0 {
		return 0
	}
	maxD, _ := b.MaxDuration.Parse()
	factor := int64(defaultRetryFactor)
	if b.Factor != nil {
		factor = int64(*b.Factor)
	}
	for i := 1; i < n && factor > 1; i++ {
		// Stop multiplying once past the cap, or before overflowing.
		if (maxD > 0 && d >= maxD) || d > time.Duration(1<<62)/time.Duration(factor) {
			break
		}
		d *= time.Duration(factor)
	}
	if maxD > 0 && d > maxD {
		d = maxD
	}
	return d
}

// retryLimit is the number of retries policy allows.
func retryLimit(policy *ml.RetryPolicy) int {
	if policy == nil || policy.Limit < 0 {
		return 0
	}
	return int(policy.Limit)
}
