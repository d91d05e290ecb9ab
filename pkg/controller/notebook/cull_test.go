package notebook

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDecideCull(t *testing.T) {
	start := t0
	never := time.Time{}
	cases := []struct {
		name         string
		now          time.Duration // after start
		lastActivity time.Time
		want         cullDecision
	}{
		{name: "just started, no kernels", now: 0, lastActivity: never,
			want: cullDecision{RecheckAfter: time.Minute}},
		{name: "idle since start, almost timed out", now: 59*time.Minute + 30*time.Second, lastActivity: never,
			want: cullDecision{IdleFor: 59*time.Minute + 30*time.Second, RecheckAfter: 30 * time.Second}},
		{name: "idle since start for exactly the timeout", now: time.Hour, lastActivity: never,
			want: cullDecision{Cull: true, IdleFor: time.Hour}},
		{name: "activity before the start does not count", now: time.Hour, lastActivity: start.Add(-24 * time.Hour),
			want: cullDecision{Cull: true, IdleFor: time.Hour}},
		{name: "recent activity", now: 2 * time.Hour, lastActivity: start.Add(90 * time.Minute),
			want: cullDecision{IdleFor: 30 * time.Minute, RecheckAfter: time.Minute}},
		{name: "activity long ago", now: 3 * time.Hour, lastActivity: start.Add(time.Hour),
			want: cullDecision{Cull: true, IdleFor: 2 * time.Hour}},
		{name: "activity in the future counts as now", now: time.Hour, lastActivity: start.Add(2 * time.Hour),
			want: cullDecision{RecheckAfter: time.Minute}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := decideCull(start.Add(tc.now), tc.lastActivity, start, time.Hour, time.Minute)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("decision (-want +got):\n%s", diff)
			}
		})
	}
}
