package plan

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
)

func TestExpand(t *testing.T) {
	item := "0.01"
	sc := &scope{
		params: map[string]string{"lr": "0.1", "sizes": `["s","m"]`, "price": "$5"},
		output: func(task, output string) (string, error) {
			switch task {
			case "prep":
				return "s3://bucket/" + output, nil
			case "gate":
				return "", &refError{kind: refSkipped, task: task, output: output}
			}
			return "", &refError{kind: refMissing, task: task, output: output}
		},
		item:      &item,
		runStatus: "Failed",
	}
	cases := []struct {
		name    string
		in      string
		escape  bool
		want    string
		wantErr *refErrorKind
	}{
		{name: "no variables", in: "--epochs=3", want: "--epochs=3"},
		{name: "param", in: "--lr=$(params.lr)", want: "--lr=0.1"},
		{name: "list param is its JSON", in: "$(params.sizes)", want: `["s","m"]`},
		{name: "output", in: "--data=$(tasks.prep.outputs.train)", want: "--data=s3://bucket/train"},
		{name: "several", in: "$(params.lr)/$(item)/$(run.status)", want: "0.1/0.01/Failed"},
		{name: "escaped $$( stays for Kubernetes", in: "$$(date) $(params.lr)", want: "$$(date) 0.1"},
		{name: "values are escaped for Kubernetes", in: "$(params.price)", escape: true, want: "$$5"},
		{name: "values unescaped for when", in: "$(params.price)", want: "$5"},
		{name: "skipped upstream", in: "$(tasks.gate.outputs.ok)", wantErr: ptrKind(refSkipped)},
		{name: "missing output", in: "$(tasks.fit.outputs.model)", wantErr: ptrKind(refMissing)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sc.expand(tc.in, tc.escape)
			if tc.wantErr != nil {
				var re *refError
				if !errors.As(err, &re) || re.kind != *tc.wantErr {
					t.Fatalf("expand(%q) = %q, %v; want a reference error of kind %d", tc.in, got, err, *tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("expand(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func ptrKind(k refErrorKind) *refErrorKind { return &k }

// TestExpandScope: $(item) and $(run.status) have values only where they
// are meaningful.
func TestExpandScope(t *testing.T) {
	sc := &scope{params: map[string]string{}}
	for _, in := range []string{"$(item)", "$(run.status)", "$(params.nope)"} {
		if got, err := sc.expand(in, false); err == nil {
			t.Errorf("expand(%q) = %q, want an error", in, got)
		}
	}
}

func TestExpandContainer(t *testing.T) {
	sc := &scope{params: map[string]string{"lr": "0.1"}}
	env := []corev1.EnvVar{
		{Name: "LR", Value: "$(params.lr)"},
		{Name: "TOKEN", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{Key: "t"}}},
	}
	c, err := sc.expandContainer([]string{"python", "$(params.lr)"}, nil, env)
	if err != nil {
		t.Fatal(err)
	}
	want := container{
		Command: []string{"python", "0.1"},
		Env: []corev1.EnvVar{
			{Name: "LR", Value: "0.1"},
			{Name: "TOKEN", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{Key: "t"}}},
		},
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("container (-want +got):\n%s", diff)
	}
	if env[0].Value != "$(params.lr)" {
		t.Errorf("the task's env was changed: %q", env[0].Value)
	}
}

// TestSubstitutionInPods checks what a started pod gets: params (declared
// defaults included), upstream outputs and $(run.status) in finally tasks.
func TestSubstitutionInPods(t *testing.T) {
	sp := pipeline(
		task("prep").Outputs("train-uri"),
		task("train").Command("python", "-m", "train").
			Args("--data=$(tasks.prep.outputs.train-uri)", "--lr=$(params.lr)", "--epochs=$(params.epochs)").
			Env("CUSTOM", "$(params.lr)-$$(HOME)"),
	).Finally(task("notify").Args("finished: $(run.status)").Obj()).Spec()
	sp.Params = append(sp.Params,
		paramSpec("lr", ""),
		paramSpec("epochs", "10"))
	// status.params has only lr: epochs comes from its declared default.
	s := newSim(t, sp, paramOf("lr", "0.001"))
	s.script = func(entry string, _ int) outcome {
		if entry == "prep" {
			return outcome{message: "train-uri=s3://splits/train"}
		}
		return outcome{}
	}
	s.plan()
	s.endRunning()
	res := s.plan()
	train := s.create(res, pod("train"))
	want := Start{
		Name: "train", Task: &s.run.Status.PipelineSpec.Tasks[1], PodName: pod("train"), Attempt: 1, Index: -1,
		Command: []string{"python", "-m", "train"},
		Args:    []string{"--data=s3://splits/train", "--lr=0.001", "--epochs=10"},
		Env:     []corev1.EnvVar{{Name: "CUSTOM", Value: "0.001-$$(HOME)"}},
	}
	if diff := cmp.Diff(want, train); diff != "" {
		t.Errorf("train (-want +got):\n%s", diff)
	}
	s.end(pod("train"), 1, "boom")
	res = s.plan()
	if got := s.create(res, pod("notify")).Args; !cmp.Equal(got, []string{"finished: Failed"}) {
		t.Errorf("notify args %q, want the run's state", got)
	}
}
