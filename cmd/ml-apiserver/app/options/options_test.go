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
			if _, err := validateStandalone(t, tc.args...); !errorMatches(err, tc.wantErr) {
				t.Errorf("Validate: %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// validateStandalone parses args after --standalone and a data dir of the
// test, completes the options and returns them with Validate's error.
func validateStandalone(t *testing.T, args ...string) (CompletedOptions, error) {
	t.Helper()
	o := NewOptions()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse(append([]string{"--standalone", "--data-dir", t.TempDir()}, args...)); err != nil {
		t.Fatal(err)
	}
	c, err := o.Complete()
	if err != nil {
		t.Fatal(err)
	}
	return c, c.Validate()
}

// errorMatches reports whether err is nil when want is empty, or holds want.
func errorMatches(err error, want string) bool {
	if want == "" {
		return err == nil
	}
	return err != nil && strings.Contains(err.Error(), want)
}
