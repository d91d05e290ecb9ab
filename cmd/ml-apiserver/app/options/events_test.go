package options

import (
	"testing"
	"time"

	"ml.example.io/ml-apiserver/pkg/apiserver"
)

func TestEventTTL(t *testing.T) {
	tests := map[string]struct {
		args    []string
		want    time.Duration
		wantErr string
	}{
		"one hour by default": {want: time.Hour},
		"shorter":             {args: []string{"--event-ttl=2s"}, want: 2 * time.Second},
		"zero":                {args: []string{"--event-ttl=0s"}, wantErr: "--event-ttl must be at least 1s, got 0s"},
		"below a second":      {args: []string{"--event-ttl=500ms"}, wantErr: "--event-ttl must be at least 1s"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o, err := validateStandalone(t, tc.args...)
			if !errorMatches(err, tc.wantErr) {
				t.Fatalf("Validate: %v, want %q", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			var c apiserver.ExtraConfig
			o.Events.ApplyTo(&c, true)
			if c.EventTTL != tc.want {
				t.Errorf("EventTTL = %s, want %s", c.EventTTL, tc.want)
			}
		})
	}
}

// TestNoEventsWhenAggregated checks that an aggregated server serves no
// Events: they belong to kube-apiserver.
func TestNoEventsWhenAggregated(t *testing.T) {
	var c apiserver.ExtraConfig
	NewEventOptions().ApplyTo(&c, false)
	if c.EventTTL != 0 {
		t.Errorf("an aggregated server would serve core/v1 Events (EventTTL = %s)", c.EventTTL)
	}
}
