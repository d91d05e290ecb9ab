package options

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func TestValidateSecurePort(t *testing.T) {
	tests := map[string]struct {
		args    []string
		wantErr string
	}{
		"the default port":       {},
		"another port":           {args: []string{"--secure-port=8443"}},
		"port 0 turns HTTPS off": {args: []string{"--secure-port=0"}, wantErr: "--secure-port must not be 0"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o := NewOptions()
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			o.AddFlags(fs)
			if err := fs.Parse(append([]string{"--standalone", "--data-dir", t.TempDir()}, tc.args...)); err != nil {
				t.Fatal(err)
			}
			if err := o.Complete(); err != nil {
				t.Fatal(err)
			}
			err := o.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("Validate: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("Validate: %v, want %q", err, tc.wantErr)
			}
		})
	}
}
