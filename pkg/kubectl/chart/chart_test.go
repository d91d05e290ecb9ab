package chart

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func TestColumnsKeepExtremes(t *testing.T) {
	var points []Point
	for i := range 1000 {
		v := float64(i % 10)
		if i == 500 {
			v = 100 // a spike must survive the grouping
		}
		points = append(points, Point{Step: int64(i), Value: v})
	}
	cols := Columns(points, 50)
	if len(cols) != 50 {
		t.Fatalf("got %d columns, want 50", len(cols))
	}
	hi := math.Inf(-1)
	for _, c := range cols {
		hi = math.Max(hi, c.Max)
		if c.Min > c.Last || c.Last > c.Max {
			t.Errorf("column %+v: last outside [min, max]", c)
		}
	}
	if hi != 100 {
		t.Errorf("max over columns = %v, want the spike 100", hi)
	}
}

func TestColumnsFewPointsAndGaps(t *testing.T) {
	cols := Columns([]Point{{Step: 0, Value: 1}, {Step: 100, Value: 3}}, 60)
	if len(cols) != 2 || cols[0].Last != 1 || cols[1].Last != 3 {
		t.Errorf("two points: got %+v", cols)
	}
	cols = Columns([]Point{{Step: 0, Value: 1}, {Step: 1, Value: math.NaN()}, {Step: 9, Value: 2}}, 3)
	if len(cols) != 3 || cols[1].Last != 1 || cols[2].Last != 2 {
		t.Errorf("gap filled from the previous column: got %+v", cols)
	}
	if Columns(nil, 10) != nil {
		t.Errorf("no points must give no columns")
	}
}

func TestDraw(t *testing.T) {
	var points []Point
	for i := range 20 {
		points = append(points, Point{Step: int64(i + 1), Value: 1 / float64(i+1)})
	}
	var b bytes.Buffer
	if err := Draw(&b, "loss", points, Options{Width: 20, Height: 5}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	// title, 5 rows, axis, step labels
	if len(lines) != 8 {
		t.Fatalf("got %d lines:\n%s", len(lines), b.String())
	}
	if lines[0] != "loss" || !strings.HasPrefix(strings.TrimSpace(lines[1]), "1 ┤*") || !strings.HasPrefix(lines[5], "0.05 ┤") {
		t.Errorf("unexpected chart:\n%s", b.String())
	}
	if !strings.HasSuffix(lines[5], "*") {
		t.Errorf("the last, lowest point must be at the bottom right:\n%s", b.String())
	}
	if !strings.Contains(lines[7], "step 1") || !strings.HasSuffix(lines[7], "20") {
		t.Errorf("x axis labels: %q", lines[7])
	}
	b.Reset()
	if err := Draw(&b, "empty", nil, Options{}); err != nil || b.String() != "empty: no points\n" {
		t.Errorf("empty series: %q, %v", b.String(), err)
	}
}
