package options

import (
	"testing"

	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/apiserver"
)

// --max-when-cel-cost reaches validation and the controllers, after the
// other caps, in the server and in the controller subcommand.
func TestWhenCELCostLimit(t *testing.T) {
	tests := map[string]struct {
		args    []string
		want    int64
		wantErr string
	}{
		"the default":  {want: validation.DefaultWhenCELCostLimit},
		"lower":        {args: []string{"--max-when-cel-cost=5000"}, want: 5000},
		"zero refused": {args: []string{"--max-when-cel-cost=0"}, wantErr: "--max-when-cel-cost must be at least 1, got 0"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o, err := validateStandalone(t, tc.args...)
			if !errorMatches(err, tc.wantErr) {
				t.Fatalf("Validate: %v, want %q", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			var c apiserver.ExtraConfig
			o.Limits.ApplyTo(&c)
			o.WhenCEL.ApplyTo(&c)
			if c.Validation.WhenCELCostLimit != tc.want || c.Validation.MaxForEachItems != validation.DefaultMaxForEachItems {
				t.Errorf("validation options %+v, want the cost limit %d and the other caps kept", c.Validation, tc.want)
			}
			if got := o.ControllerConfig().WhenCELCostLimit; got != tc.want {
				t.Errorf("controller cost limit %d, want %d", got, tc.want)
			}

			cmd, err := parseControllerCommand(t, tc.args...).Complete()
			if err != nil {
				t.Fatal(err)
			}
			if got := cmd.Controller.WhenCELCostLimit; got != tc.want {
				t.Errorf("controller subcommand: cost limit %d, want %d", got, tc.want)
			}
		})
	}
}
