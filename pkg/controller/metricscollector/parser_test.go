package metricscollector

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseKatibExamples(t *testing.T) {
	p, err := NewParser("")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		line    string
		want    []Pair
		step    int64
		hasStep bool
	}{
		{line: "loss=0.3", want: []Pair{{"loss", 0.3}}},
		{line: "accuracy=.98", want: []Pair{{"accuracy", 0.98}}},
		{line: "score=-7.53e-05", want: []Pair{{"score", -7.53e-05}}},
		{line: "epoch 3: loss = 0.25, val-accuracy=0.91 lr=1E-3", want: []Pair{{"loss", 0.25}, {"val-accuracy", 0.91}, {"lr", 0.001}}},
		{line: "step=120 loss=0.4 accuracy=0.8", want: []Pair{{"loss", 0.4}, {"accuracy", 0.8}}, step: 120, hasStep: true},
		{line: "epoch=2 loss=0.5", want: []Pair{{"epoch", 2}, {"loss", 0.5}}, step: 2, hasStep: true},
		{line: "Starting training with batch size 32", want: nil},
		{line: "status=ok retries= path=/x", want: nil},
		{line: "_private=1 ok=2", want: []Pair{{"ok", 2}}},
	} {
		t.Run(tc.line, func(t *testing.T) {
			got, step, hasStep := p.Parse(tc.line)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("pairs (-want +got):\n%s", diff)
			}
			if step != tc.step || hasStep != tc.hasStep {
				t.Errorf("step %d %v, want %d %v", step, hasStep, tc.step, tc.hasStep)
			}
		})
	}
}

func TestParseCustomFormat(t *testing.T) {
	p, err := NewParser(`"(\w+)":\s*([-+.\deE]+)`)
	if err != nil {
		t.Fatal(err)
	}
	got, _, _ := p.Parse(`{"loss": 0.125, "acc": 0.5, "name": "run1"}`)
	if diff := cmp.Diff([]Pair{{"loss", 0.125}, {"acc", 0.5}}, got); diff != "" {
		t.Errorf("pairs (-want +got):\n%s", diff)
	}
	for _, bad := range []string{`(`, `loss=(\d+)`} {
		if _, err := NewParser(bad); err == nil {
			t.Errorf("NewParser(%q) accepted a bad format", bad)
		}
	}
}
