package chart

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDrawMany(t *testing.T) {
	var a, b Series
	a.Name, b.Name = "a", "b"
	for i := range 10 {
		a.Points = append(a.Points, Point{Step: int64(i + 1), Value: 10 - float64(i)})
		b.Points = append(b.Points, Point{Step: int64(i + 1), Value: float64(i + 2)})
	}
	b.Points = append(b.Points, Point{Step: 11, Value: math.NaN()})
	var out bytes.Buffer
	if err := DrawMany(&out, "loss", []Series{a, b}, Options{Width: 10, Height: 4}); err != nil {
		t.Fatal(err)
	}
	// A falls from 10 to 1, B rises from 2 to 11: they meet in the middle
	// (#); B's NaN is skipped, so the x axis ends at step 10.
	want := `loss
11 ┤A       BB
   ┤ AAA#BBB
   ┤ BBB AAA
 1 ┤B       AA
   └──────────
    step 1  10
`
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("chart (-want +got):\n%s", diff)
	}
}

func TestDrawManyEdges(t *testing.T) {
	var out bytes.Buffer
	if err := DrawMany(&out, "loss", []Series{{Name: "a"}}, Options{}); err != nil || out.String() != "loss: no points\n" {
		t.Errorf("no points: %q, %v", out.String(), err)
	}
	out.Reset()
	if err := DrawMany(&out, "x", []Series{{Points: []Point{{Step: 5, Value: 2}}}}, Options{MaxWidth: 40, Height: 3}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "A") || !strings.Contains(out.String(), "step 5") {
		t.Errorf("one point:\n%s", out.String())
	}
	if Marker(0) != 'A' || Marker(26) != 'a' || Marker(1000) != '.' {
		t.Errorf("markers: %c %c %c", Marker(0), Marker(26), Marker(1000))
	}
}

// TestDrawManySpreadsFewSteps: three steps on a wide chart are 4 columns
// apart rather than squeezed into three.
func TestDrawManySpreadsFewSteps(t *testing.T) {
	var out bytes.Buffer
	s := Series{Points: []Point{{Step: 1, Value: 3}, {Step: 2, Value: 2}, {Step: 3, Value: 1}}}
	if err := DrawMany(&out, "loss", []Series{s}, Options{Width: 40, Height: 3}); err != nil {
		t.Fatal(err)
	}
	want := `loss
3 ┤A
  ┤    A
1 ┤        A
  └─────────
   step 1  3
`
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("chart (-want +got):\n%s", diff)
	}
}
