package options

import (
	"strings"
	"testing"
)

func TestLocalOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		modify  func(*LocalOptions)
		wantErr string
	}{
		{name: "defaults", modify: func(*LocalOptions) {}},
		{name: "root opts out", modify: func(o *LocalOptions) { o.RunAsUser = "root" }},
		{name: "numeric user", modify: func(o *LocalOptions) { o.RunAsUser = "1000:1000" }},
		{name: "unknown user", modify: func(o *LocalOptions) { o.RunAsUser = "no-such-user-here" }, wantErr: "--local-run-as-user"},
		{name: "relative path", modify: func(o *LocalOptions) { o.ReadWritePaths = []string{"scratch"} }, wantErr: `absolute paths, got "scratch"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := NewLocalOptions()
			tc.modify(o)
			errs := o.Validate()
			switch {
			case tc.wantErr == "" && len(errs) > 0:
				t.Errorf("unexpected errors: %v", errs)
			case tc.wantErr != "" && (len(errs) == 0 || !strings.Contains(errs[0].Error(), tc.wantErr)):
				t.Errorf("errors %v, want one containing %q", errs, tc.wantErr)
			}
		})
	}
	if c := NewLocalOptions().Confinement(); c.Disabled || c.RunAs == nil || c.RunAs.UID != 65534 {
		t.Errorf("default confinement %+v: want Landlock on, as nobody (65534)", c)
	}
}
