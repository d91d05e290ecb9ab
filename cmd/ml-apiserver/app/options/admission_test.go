package options

import (
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	mladmission "ml.example.io/ml-apiserver/pkg/admission"
)

func TestAdmissionFlags(t *testing.T) {
	tests := map[string]struct {
		args    []string
		wantErr string
	}{
		"our plugins can be disabled": {args: []string{"--disable-admission-plugins=MLQuota,WorkloadSecurity,PipelineRunResolve,ModelSource"}},
		"generic ones too":            {args: []string{"--disable-admission-plugins=ValidatingAdmissionPolicy"}},
		"unknown plugin":              {args: []string{"--disable-admission-plugins=Nope"}, wantErr: `disable-admission-plugins plugin "Nope" is unknown`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o := NewOptions()
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			o.AddFlags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			a := o.RecommendedOptions.Admission
			if !slices.Equal(a.RecommendedPluginOrder, mladmission.PluginOrder) {
				t.Errorf("plugin order %v, want %v", a.RecommendedPluginOrder, mladmission.PluginOrder)
			}
			errs := a.Validate()
			switch {
			case tc.wantErr == "" && len(errs) > 0:
				t.Errorf("Validate: %v", errs)
			case tc.wantErr != "" && (len(errs) == 0 || !strings.Contains(errs[0].Error(), tc.wantErr)):
				t.Errorf("Validate: %v, want %q", errs, tc.wantErr)
			}
		})
	}
}
