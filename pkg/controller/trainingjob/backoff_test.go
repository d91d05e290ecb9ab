package trainingjob

import (
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	job := newBackoff(0, 0)
	for failed, want := range map[int32]time.Duration{
		0: 0, 1: 10 * time.Second, 2: 20 * time.Second, 3: 40 * time.Second, 6: 320 * time.Second, 7: 6 * time.Minute, 100: 6 * time.Minute,
	} {
		if got := job.delay(failed); got != want {
			t.Errorf("default delay after %d failures = %s, want %s", failed, got, want)
		}
	}
	if got := newBackoff(-1, 0).delay(3); got != 0 {
		t.Errorf("a negative base: delay %s, want none", got)
	}
	if got := newBackoff(time.Second, 3*time.Second).delay(3); got != 3*time.Second {
		t.Errorf("base 1s, max 3s: delay after 3 failures %s, want 3s", got)
	}
}
