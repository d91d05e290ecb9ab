package options

import (
	"testing"

	"github.com/spf13/pflag"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/rest"

	"ml.example.io/ml-apiserver/pkg/admission/plugin/pipelinerunresolve"
	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/nested"
)

// --max-pipeline-nesting-depth and --max-pipeline-tasks are validated and
// reach the admission chain of an aggregated server (standalone mode's is
// checked by test/integration/badinput).
func TestPipelineNestingFlags(t *testing.T) {
	tests := map[string]struct {
		args    []string
		want    nested.Limits
		wantErr string
	}{
		"the defaults":   {want: nested.DefaultLimits()},
		"set":            {args: []string{"--max-pipeline-nesting-depth=2", "--max-pipeline-tasks=50"}, want: nested.Limits{MaxDepth: 2, MaxTasks: 50}},
		"no nesting":     {args: []string{"--max-pipeline-nesting-depth=0"}, want: nested.Limits{MaxDepth: 0, MaxTasks: nested.DefaultMaxTasks}},
		"negative depth": {args: []string{"--max-pipeline-nesting-depth=-1"}, wantErr: "--max-pipeline-nesting-depth must not be negative, got -1"},
		"zero tasks":     {args: []string{"--max-pipeline-tasks=0"}, wantErr: "--max-pipeline-tasks must be at least 1, got 0"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := validateStandalone(t, tc.args...); !errorMatches(err, tc.wantErr) {
				t.Fatalf("Validate: %v, want %q", err, tc.wantErr)
			}
			if tc.wantErr != "" {
				return
			}
			o := NewOptions()
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			o.AddFlags(fs)
			if err := fs.Parse(append([]string{"--data-dir", t.TempDir()}, tc.args...)); err != nil {
				t.Fatal(err)
			}
			c, err := o.Complete()
			if err != nil {
				t.Fatal(err)
			}
			sc := genericapiserver.NewRecommendedConfig(scheme.Codecs)
			sc.LoopbackClientConfig = &rest.Config{Host: "https://127.0.0.1:1"}
			initializers, err := c.RecommendedOptions.ExtraAdmissionInitializers(sc)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, i := range initializers {
				if ni, ok := i.(pipelinerunresolve.NestingInitializer); ok {
					found = true
					if got := nested.Limits(ni); got != tc.want {
						t.Errorf("limits %+v, want %+v", got, tc.want)
					}
				}
			}
			if !found {
				t.Errorf("no nesting initializer among the admission initializers %v", initializers)
			}
		})
	}
}
