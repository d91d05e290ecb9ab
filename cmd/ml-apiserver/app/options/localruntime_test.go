package options

import (
	"strings"
	"testing"

	"ml.example.io/ml-apiserver/pkg/workload/local"
)

func TestLocalRuntimeOptions(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		wantErr string
		want    local.Config
	}{
		{name: "defaults", want: local.Config{MaxProcesses: local.DefaultMaxProcesses(), Log: local.LogLimits{MaxSize: 10 << 20, MaxFiles: 5}}},
		{name: "set", args: []string{"--local-max-processes=3", "--local-log-max-size=1Mi", "--local-log-max-files=2"},
			want: local.Config{MaxProcesses: 3, Log: local.LogLimits{MaxSize: 1 << 20, MaxFiles: 2}}},
		{name: "no processes", args: []string{"--local-max-processes=0"}, wantErr: "--local-max-processes must be at least 1"},
		{name: "tiny files", args: []string{"--local-log-max-size=1Ki"}, wantErr: "--local-log-max-size must be at least 64Ki"},
		{name: "not a size", args: []string{"--local-log-max-size=lots"}, wantErr: `--local-log-max-size "lots"`},
		{name: "one file", args: []string{"--local-log-max-files=1"}, wantErr: "--local-log-max-files must be at least 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := NewOptions()
			fss := o.Flags()
			fs := fss.FlagSet("ml-apiserver")
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			errs := o.LocalRuntime.Validate()
			if tc.wantErr != "" {
				if len(errs) != 1 || !strings.Contains(errs[0].Error(), tc.wantErr) {
					t.Errorf("errors %v, want one containing %q", errs, tc.wantErr)
				}
				return
			}
			if len(errs) != 0 {
				t.Fatalf("errors %v", errs)
			}
			var got local.Config
			o.LocalRuntime.ApplyTo(&got)
			if got.MaxProcesses != tc.want.MaxProcesses || got.Log != tc.want.Log {
				t.Errorf("config %+v %+v, want %+v %+v", got.MaxProcesses, got.Log, tc.want.MaxProcesses, tc.want.Log)
			}
		})
	}
}
