package controller

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestEnabledControllers(t *testing.T) {
	cases := []struct {
		list []string
		want []string
	}{
		{list: []string{"*"}, want: KnownControllers},
		{list: nil, want: nil},
		{list: []string{"trainingjob"}, want: []string{"trainingjob"}},
		{list: []string{"*", "-model", "-notebook", "-metrics", "-logarchive", "-latestmetrics", "-logarchivesweep", "-quotausage", "-profile", "-recurringrun", "-tuningjob"}, want: []string{"trainingjob", "pipelinerun"}},
		{list: []string{"-trainingjob", "trainingjob"}, want: nil},
		// The first entry naming a controller decides, as in
		// kube-controller-manager.
		{list: []string{"trainingjob", "-trainingjob"}, want: []string{"trainingjob"}},
		{list: []string{"-model", "*"}, want: []string{"trainingjob", "notebook", "pipelinerun", "recurringrun", "metrics", "logarchive", "latestmetrics", "tuningjob", "logarchivesweep", "quotausage", "profile"}},
		{list: []string{"notebook", "trainingjob"}, want: []string{"trainingjob", "notebook"}},
	}
	for _, tc := range cases {
		if diff := cmp.Diff(tc.want, EnabledControllers(tc.list), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("EnabledControllers(%q) (-want +got):\n%s", tc.list, diff)
		}
	}
}

func TestValidateControllers(t *testing.T) {
	for _, ok := range [][]string{{"*"}, {"trainingjob", "-model"}, {}} {
		if err := ValidateControllers(ok); err != nil {
			t.Errorf("ValidateControllers(%q) = %v", ok, err)
		}
	}
	for _, bad := range [][]string{{"trainingjobs"}, {"*", "-"}, {"all"}} {
		if err := ValidateControllers(bad); err == nil {
			t.Errorf("ValidateControllers(%q) accepted it", bad)
		}
	}
}
