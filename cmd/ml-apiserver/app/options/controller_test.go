package options

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	utilerrors "k8s.io/apimachinery/pkg/util/errors"

	"ml.example.io/ml-apiserver/pkg/controller"
)

func TestControllerOptions(t *testing.T) {
	cases := []struct {
		args    []string
		wantErr string
	}{
		{args: nil},
		{args: []string{"--controllers=trainingjob,-model", "--controller-namespace=ml"}},
		{args: []string{"--leader-elect=false", "--controller-namespace="}},
		{args: []string{"--controllers=trainingjobs"}, wantErr: `unknown controller "trainingjobs"`},
		{args: []string{"--controller-namespace="}, wantErr: "--controller-namespace is required"},
		{args: []string{"--controller-workers=0"}, wantErr: "--controller-workers must be at least 1"},
		{args: []string{"--leader-elect-lease-duration=5s", "--leader-elect-renew-deadline=10s"}, wantErr: "--leader-elect-lease-duration: Invalid value"},
		{args: []string{"--leader-elect-renew-deadline=2s", "--leader-elect-retry-period=2s"}, wantErr: "leader election needs --leader-elect-renew-deadline (2s) above 1.2 x --leader-elect-retry-period (2s)"},
		{args: []string{"--leader-elect-retry-period=0s"}, wantErr: "--leader-elect-retry-period: Invalid value"},
		{args: []string{"--leader-elect-resource-lock=configmaps"}, wantErr: `--leader-elect-resource-lock must be "leases"`},
		{args: []string{"--leader-elect-resource-name="}, wantErr: "--leader-elect-resource-name: Required value"},
		{args: []string{"--controller-namespace=", "--leader-elect-resource-namespace=locks"}},
	}
	for _, tc := range cases {
		o := NewControllerOptions()
		fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
		o.AddFlags(fs)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		err := utilerrors.NewAggregate(o.Validate())
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%q: %v", tc.args, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%q: error %v, want one containing %q", tc.args, err, tc.wantErr)
		}
	}
}

func TestControllerOptionsConfig(t *testing.T) {
	o := NewControllerOptions()
	o.Namespace, o.LeaderElection.LeaseDuration.Duration = "ml", 30*time.Second
	c := o.Config()
	le := c.LeaderElection
	if !le.Enabled || le.Namespace != "ml" || le.Name != "ml-controller" || le.LeaseDuration != 30*time.Second || c.Workers != DefaultControllerWorkers {
		t.Errorf("config = %+v", c)
	}
	if !o.Enabled() {
		t.Errorf("the defaults enable no controller")
	}
	o.Controllers = []string{"*"}
	for _, name := range controller.KnownControllers {
		o.Controllers = append(o.Controllers, "-"+name)
	}
	if o.Enabled() {
		t.Errorf("%q enables a controller", o.Controllers)
	}
}
