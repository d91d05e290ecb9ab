package options

import (
	"testing"
	"time"
)

func TestEmbeddedEtcdAutoCompactionRetention(t *testing.T) {
	tests := map[string]struct {
		args    []string
		want    time.Duration
		wantErr string
	}{
		"the default":     {want: 5 * time.Minute},
		"an hour":         {args: []string{"--embedded-etcd-auto-compaction-retention=1h"}, want: time.Hour},
		"under a minute":  {args: []string{"--embedded-etcd-auto-compaction-retention=10s"}, wantErr: "must be at least 1m"},
		"zero is refused": {args: []string{"--embedded-etcd-auto-compaction-retention=0"}, wantErr: "must be at least 1m"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o, err := validateStandalone(t, tc.args...)
			switch {
			case !errorMatches(err, tc.wantErr):
				t.Errorf("Validate: %v, want %q", err, tc.wantErr)
			case tc.wantErr == "" && o.EtcdAutoCompactionRetention != tc.want:
				t.Errorf("retention %v, want %v", o.EtcdAutoCompactionRetention, tc.want)
			}
		})
	}
}
