package options

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func TestControllerServingOptions(t *testing.T) {
	cases := []struct {
		args    []string
		enabled bool
		wantErr string
	}{
		{args: nil, enabled: true},
		{args: []string{"--secure-port=0"}, enabled: false},
		{args: []string{"--secure-port=-1"}, wantErr: "--secure-port"},
		{args: []string{"--bind-address=127.0.0.1", "--secure-port=20000"}, enabled: true},
	}
	for _, tc := range cases {
		o := NewControllerServingOptions()
		fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
		o.AddFlags(fs)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		errs := o.Validate()
		switch {
		case tc.wantErr != "":
			if len(errs) == 0 || !strings.Contains(errs[0].Error(), tc.wantErr) {
				t.Errorf("%v: errors %v, want one about %s", tc.args, errs, tc.wantErr)
			}
			continue
		case len(errs) != 0:
			t.Errorf("%v: unexpected errors %v", tc.args, errs)
		}
		if o.Enabled() != tc.enabled {
			t.Errorf("%v: Enabled() = %v, want %v", tc.args, o.Enabled(), tc.enabled)
		}
	}
}

func TestControllerServingComplete(t *testing.T) {
	o := NewControllerServingOptions()
	if o.SecureServing.BindPort != DefaultControllerSecurePort || o.SecureServing.ServerCert.CertDirectory != "" {
		t.Errorf("defaults: port %d cert dir %q, want %d and in memory", o.SecureServing.BindPort, o.SecureServing.ServerCert.CertDirectory, DefaultControllerSecurePort)
	}
	o.Authorization.RemoteKubeConfigFile = "authz.kubeconfig"
	c := o.Complete("controller.kubeconfig")
	if c.Authentication.RemoteKubeConfigFile != "controller.kubeconfig" || c.Authorization.RemoteKubeConfigFile != "authz.kubeconfig" {
		t.Errorf("Complete: authentication %q authorization %q; want --kubeconfig only where none was given",
			c.Authentication.RemoteKubeConfigFile, c.Authorization.RemoteKubeConfigFile)
	}
	if o.Authentication.RemoteKubeConfigFile != "" {
		t.Errorf("Complete changed the options: authentication kubeconfig %q", o.Authentication.RemoteKubeConfigFile)
	}
}
