package logs

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
)

func TestValidateLogOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts ml.LogOptions
		want []string
	}{
		{name: "empty"},
		{name: "everything valid", opts: ml.LogOptions{
			Follow: true, TailLines: ptr.To[int64](0), SinceSeconds: ptr.To[int64](1), LimitBytes: ptr.To[int64](1),
			Replica: "3", Container: "trainer", Task: "train", Attempt: ptr.To[int64](2),
		}},
		{name: "replica by pod name", opts: ml.LogOptions{Replica: "job-0"}},
		{name: "negative tailLines", opts: ml.LogOptions{TailLines: ptr.To[int64](-1)}, want: []string{"tailLines"}},
		{name: "zero sinceSeconds and limitBytes", opts: ml.LogOptions{SinceSeconds: ptr.To[int64](0), LimitBytes: ptr.To[int64](0)},
			want: []string{"sinceSeconds", "limitBytes"}},
		{name: "attempt without task", opts: ml.LogOptions{Attempt: ptr.To[int64](1)}, want: []string{"task"}},
		{name: "attempt 0", opts: ml.LogOptions{Task: "t", Attempt: ptr.To[int64](0)}, want: []string{"attempt"}},
		{name: "task of a nested pipeline", opts: ml.LogOptions{Task: "train-a.fit"}},
		{name: "task with an empty segment", opts: ml.LogOptions{Task: "train-a..fit"}, want: []string{"task"}},
		{name: "bad names", opts: ml.LogOptions{Container: "A_B", Replica: "-x", Task: "T!"}, want: []string{"container", "replica", "task"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := ValidateLogOptions(&tc.opts)
			var got []string
			for _, e := range errs {
				got = append(got, e.Field)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s\nerrors: %v", diff, mltesting.FieldErrors(errs))
			}
		})
	}
}
