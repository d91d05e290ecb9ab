package plan

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

func TestParseOutputs(t *testing.T) {
	declared := []ml.TaskOutput{{Name: "model-uri"}, {Name: "accuracy"}, {Name: "empty"}}
	cases := []struct {
		name    string
		message string
		want    []ml.Param
		wantErr string
	}{
		{name: "none", message: ""},
		{
			name:    "declared order, blank lines and CRLF",
			message: "\naccuracy=0.93\r\n\nmodel-uri=s3://m/1\n",
			want:    []ml.Param{{Name: "model-uri", Value: "s3://m/1"}, {Name: "accuracy", Value: "0.93"}},
		},
		{name: "value with =", message: "model-uri=s3://m?a=b", want: []ml.Param{{Name: "model-uri", Value: "s3://m?a=b"}}},
		{name: "empty value", message: "empty=", want: []ml.Param{{Name: "empty", Value: ""}}},
		{name: "undeclared keys are ignored", message: "loss=0.1\naccuracy=1", want: []ml.Param{{Name: "accuracy", Value: "1"}}},
		{name: "spaces around the key", message: " accuracy =1", want: []ml.Param{{Name: "accuracy", Value: "1"}}},
		{name: "a line without =", message: "accuracy=1\nTraceback (most recent call last):", wantErr: `line 2: "Traceback (most recent call last):" is not key=value`},
		{name: "empty key", message: "=1", wantErr: "line 1: empty key"},
		{name: "invalid key", message: "Model_URI=x", wantErr: `line 1: key "Model_URI" is not a valid output name`},
		{name: "twice", message: "accuracy=1\naccuracy=2", wantErr: `line 2: output "accuracy" written twice`},
		{name: "binary junk", message: "\x00\x01\xff", wantErr: "line 1:"},
		{name: "over 4 KiB", message: "accuracy=" + strings.Repeat("9", 4096), wantErr: "4105 bytes, more than the limit of 4096"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseOutputs(tc.message, declared)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMalformedOutputs: a task whose termination message is malformed
// fails with the parse error in its status (retried first when it may),
// and the run fails; nothing panics.
func TestMalformedOutputs(t *testing.T) {
	s := newSim(t, pipeline(task("a").Outputs("x").Retries(1), task("b").DependsOn("a")).Spec())
	s.script = func(string, int) outcome { return outcome{message: "x=1\nnot an output"} }
	s.runToEnd()
	a := s.task("a")
	if a.Phase != ml.TaskFailed || a.Reason != ReasonInvalidOutputs || len(a.Attempts) != 2 {
		t.Errorf("a: %s/%s after %d attempts, want Failed/InvalidOutputs after 2", a.Phase, a.Reason, len(a.Attempts))
	}
	if want := `invalid outputs: termination message line 2: "not an output" is not key=value`; a.Message != want {
		t.Errorf("a message %q, want %q", a.Message, want)
	}
	if a.Outputs != nil {
		t.Errorf("a outputs %v, want none", a.Outputs)
	}
	if got := s.phases()["b"]; got != "Skipped/RunFailed" {
		t.Errorf("b: %s, want Skipped/RunFailed", got)
	}
	if s.run.Status.Phase != ml.PipelineRunFailed {
		t.Errorf("run phase %s, want Failed", s.run.Status.Phase)
	}
}

// TestMissingOutput fails a task that needs an output its upstream task
// did not write.
func TestMissingOutput(t *testing.T) {
	s := newSim(t, pipeline(task("a").Outputs("x"), task("b").Args("$(tasks.a.outputs.x)")).Spec())
	s.runToEnd()
	if got := s.phases()["b"]; got != "Failed/MissingOutput" {
		t.Errorf("b: %s, want Failed/MissingOutput", got)
	}
}
