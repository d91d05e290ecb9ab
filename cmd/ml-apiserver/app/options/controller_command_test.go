package options

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func parseControllerCommand(t *testing.T, args ...string) *ControllerCommandOptions {
	t.Helper()
	o := NewControllerCommandOptions()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	for _, f := range o.Flags().FlagSets {
		fs.AddFlagSet(f)
	}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return o
}

// Complete hands the forEach cap to the controllers and the kubeconfig to
// the endpoint's delegated authentication and authorization, on copies.
func TestControllerCommandComplete(t *testing.T) {
	o := parseControllerCommand(t, "--kubeconfig", "cluster.kubeconfig", "--max-foreach", "7",
		"--leader-elect-resource-namespace", "locks", "--leader-elect-resource-name", "ml-lock")
	c, err := o.Complete()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	le := c.Controller.LeaderElection
	if c.Controller.MaxForEachItems != 7 || le.Namespace != "locks" || le.Name != "ml-lock" || !le.Enabled {
		t.Errorf("controller config %+v: want --max-foreach 7 and the Lease locks/ml-lock", c.Controller)
	}
	if c.Serving == nil || c.Serving.Authentication.RemoteKubeConfigFile != "cluster.kubeconfig" || c.Serving.Authorization.RemoteKubeConfigFile != "cluster.kubeconfig" {
		t.Errorf("endpoint %+v: want authentication and authorization through --kubeconfig", c.Serving)
	}
	if o.Serving.Authentication.RemoteKubeConfigFile != "" {
		t.Errorf("Complete changed the flags' serving options")
	}
}

func TestControllerCommandValidate(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		wantErr string
	}{
		{args: []string{"--controllers=-trainingjob,-model,-notebook,-pipelinerun,-metrics,-logarchive"}, wantErr: "--controllers enables no controller"},
		{args: []string{"--max-foreach=0"}, wantErr: "--max-foreach must be at least 1"},
		{args: []string{"--leader-elect-retry-period=0s"}, wantErr: "--leader-elect-retry-period: Invalid value"},
		{args: []string{"--secure-port=0"}},
	} {
		c, err := parseControllerCommand(t, tc.args...).Complete()
		if err != nil {
			t.Fatal(err)
		}
		err = c.Validate()
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%q: %v", tc.args, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%q: error %v, want one containing %q", tc.args, err, tc.wantErr)
		}
		if tc.wantErr == "" && c.Serving != nil {
			t.Errorf("%q: the endpoint is on", tc.args)
		}
	}
}
