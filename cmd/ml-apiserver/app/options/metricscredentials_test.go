package options

import (
	"testing"
	"time"
)

func TestMetricsCredentialLifetime(t *testing.T) {
	tests := map[string]struct {
		args    []string
		want    time.Duration
		wantErr string
	}{
		"the default is a day": {want: 24 * time.Hour},
		"an hour":              {args: []string{"--metrics-credential-lifetime=1h"}, want: time.Hour},
		"too short":            {args: []string{"--metrics-credential-lifetime=30s"}, wantErr: "--metrics-credential-lifetime must be between 2m0s and 168h0m0s, got 30s"},
		"too long":             {args: []string{"--metrics-credential-lifetime=8760h"}, wantErr: "--metrics-credential-lifetime must be between"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o, err := validateStandalone(t, tc.args...)
			switch {
			case !errorMatches(err, tc.wantErr):
				t.Errorf("Validate: %v, want %q", err, tc.wantErr)
			case tc.wantErr == "" && o.MetricsCredentials.New(o.PKI).Lifetime != tc.want:
				t.Errorf("lifetime %v, want %v", o.MetricsCredentials.Lifetime, tc.want)
			}
		})
	}
}
