package metrics

import (
	"bytes"
	"strings"
	"testing"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/util"
)

func points(values ...float64) []mlv1alpha1.MetricPoint {
	ps := make([]mlv1alpha1.MetricPoint, len(values))
	for i, v := range values {
		ps[i] = mlv1alpha1.MetricPoint{Step: int64(i), Value: v}
	}
	return ps
}

func TestIsCounter(t *testing.T) {
	cases := []struct {
		name   string
		values []float64
		want   bool
	}{
		{"epoch", []float64{0, 0, 1, 1, 2}, true},
		{"global_step", []float64{100, 200, 300}, true},
		{"Iteration", []float64{1, 2}, true},
		{"train/step", []float64{1, 2}, true},
		{"trainer.epoch", []float64{1, 2}, true},
		{"epoch", []float64{2, 1}, false},      // goes down: a measurement
		{"step", []float64{0.5, 1.5}, false},   // fractions: a measurement
		{"loss", []float64{1, 2, 3}, false},    // not a counter's name
		{"epoch_loss", []float64{1, 2}, false}, // a measurement per epoch
	}
	for _, tc := range cases {
		got := IsCounter(mlv1alpha1.MetricSeries{Name: tc.name, Points: points(tc.values...)})
		if got != tc.want {
			t.Errorf("IsCounter(%s %v) = %v, want %v", tc.name, tc.values, got, tc.want)
		}
	}
}

func TestTerminalWidthOfAFile(t *testing.T) {
	if got := TerminalWidth(&bytes.Buffer{}); got != defaultWidth {
		t.Errorf("TerminalWidth(buffer) = %d, want %d", got, defaultWidth)
	}
}

// TestPrintSkipsCounters: a counter is in the table, and charted only
// when --names asks for it.
func TestPrintSkipsCounters(t *testing.T) {
	m := &mlv1alpha1.Metrics{Series: []mlv1alpha1.MetricSeries{
		{Name: "epoch", Points: points(0, 1, 2)},
		{Name: "loss", Points: points(3, 2, 1)},
	}}
	for _, tc := range []struct {
		names      []string
		wantCharts []string
	}{
		{nil, []string{"loss"}},
		{[]string{"epoch"}, []string{"epoch", "loss"}},
	} {
		o := &Options{Names: tc.names, Height: 3, target: util.Target{Resource: "trainingjobs", Name: "j"}}
		var b bytes.Buffer
		if err := o.Print(&b, m); err != nil {
			t.Fatal(err)
		}
		var charts []string
		for _, l := range strings.Split(b.String(), "\n") {
			if l == "epoch" || l == "loss" {
				charts = append(charts, l)
			}
		}
		if strings.Join(charts, ",") != strings.Join(tc.wantCharts, ",") {
			t.Errorf("--names %v: charts %v, want %v\n%s", tc.names, charts, tc.wantCharts, b.String())
		}
		if !strings.Contains(b.String(), "\nepoch ") {
			t.Errorf("--names %v: epoch missing from the table:\n%s", tc.names, b.String())
		}
	}
}

// TestPrintUsesTheWidth: without --width a chart is as wide as the
// output (80 columns for a file), labels included.
func TestPrintUsesTheWidth(t *testing.T) {
	values := make([]float64, 500)
	for i := range values {
		values[i] = float64(i%7) / 3
	}
	m := &mlv1alpha1.Metrics{Series: []mlv1alpha1.MetricSeries{{Name: "loss", Points: points(values...)}}}
	for _, width := range []int{0, 40} {
		o := &Options{Width: width, Height: 4, target: util.Target{Resource: "trainingjobs", Name: "j"}}
		var b bytes.Buffer
		if err := o.Print(&b, m); err != nil {
			t.Fatal(err)
		}
		want := width
		if want == 0 {
			want = defaultWidth
		}
		widest := 0
		for _, l := range strings.Split(b.String(), "\n") {
			if strings.Contains(l, "┤") {
				widest = max(widest, len([]rune(l)))
			}
		}
		if widest != want {
			t.Errorf("--width %d: chart lines are %d wide, want %d:\n%s", width, widest, want, b.String())
		}
	}
}
