// Package chart draws line charts of metric series in a terminal, with
// plain characters so they survive any terminal and log file.
package chart

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// Point is one value of a series at a step.
type Point struct {
	Step  int64
	Value float64
}

// Options size the chart.
type Options struct {
	// Width is the number of columns of the plot area; Height its rows.
	Width, Height int
	// MaxWidth, when set, is the width of each line, the y axis labels
	// included: the plot area gets what the labels leave (Width is
	// ignored).
	MaxWidth int
}

// axis is the y axis label of v.
func axis(v float64) string { return fmt.Sprintf("%.4g", v) }

// minPlotWidth is the narrowest plot area MaxWidth leaves.
const minPlotWidth = 10

// Draw writes a chart of points (sorted by step) to w: a y axis with the
// minimum and maximum, one column per group of steps, and an x axis with
// the first and last step. Each column shows the range of the values of its
// steps, so spikes are kept when many steps share a column.
func Draw(w io.Writer, title string, points []Point, o Options) error {
	if o.Width <= 0 {
		o.Width = 60
	}
	if o.Height <= 1 {
		o.Height = 8
	}
	if len(points) == 0 {
		_, err := fmt.Fprintf(w, "%s: no points\n", title)
		return err
	}
	if o.MaxWidth > 0 {
		// Every point falls in a column, so the axis spans their range.
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, p := range points {
			if !math.IsNaN(p.Value) && !math.IsInf(p.Value, 0) {
				lo, hi = math.Min(lo, p.Value), math.Max(hi, p.Value)
			}
		}
		// A label, a space and the axis character precede the plot.
		o.Width = max(o.MaxWidth-max(len(axis(lo)), len(axis(hi)))-2, minPlotWidth)
	}
	cols := Columns(points, o.Width)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range cols {
		lo, hi = math.Min(lo, c.Min), math.Max(hi, c.Max)
	}
	row := func(v float64) int {
		if hi == lo {
			return o.Height / 2
		}
		return int(math.Round((v - lo) / (hi - lo) * float64(o.Height-1)))
	}
	grid := make([][]byte, o.Height)
	for i := range grid {
		grid[i] = []byte(strings.Repeat(" ", len(cols)))
	}
	for x, c := range cols {
		top, bottom := row(c.Max), row(c.Min)
		for y := bottom; y <= top; y++ {
			grid[y][x] = '|'
		}
		grid[row(c.Last)][x] = '*'
	}
	label := axis
	labelWidth := max(len(label(lo)), len(label(hi)))
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", title)
	for y := o.Height - 1; y >= 0; y-- {
		l := ""
		switch y {
		case o.Height - 1:
			l = label(hi)
		case 0:
			l = label(lo)
		}
		fmt.Fprintf(&b, "%*s ┤%s\n", labelWidth, l, strings.TrimRight(string(grid[y]), " "))
	}
	first, last := fmt.Sprintf("step %d", points[0].Step), fmt.Sprintf("%d", points[len(points)-1].Step)
	fmt.Fprintf(&b, "%*s └%s\n", labelWidth, "", strings.Repeat("─", len(cols)))
	gap := max(len(cols)-len(first)-len(last), 1)
	fmt.Fprintf(&b, "%*s  %s%s%s\n", labelWidth, "", first, strings.Repeat(" ", gap), last)
	_, err := io.WriteString(w, b.String())
	return err
}

// Column is the range of the values that fall into one column of a chart.
type Column struct {
	Min, Max, Last float64
}

// Columns groups points (sorted by step) into at most width columns of
// equal step ranges; empty ranges take the previous column's last value.
func Columns(points []Point, width int) []Column {
	if len(points) == 0 || width <= 0 {
		return nil
	}
	first, last := points[0].Step, points[len(points)-1].Step
	n := min(width, len(points))
	span := float64(last-first) + 1
	cols := make([]Column, n)
	filled := make([]bool, n)
	for _, p := range points {
		if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
			continue
		}
		i := int(float64(p.Step-first) / span * float64(n))
		i = min(max(i, 0), n-1)
		if !filled[i] {
			cols[i] = Column{Min: p.Value, Max: p.Value, Last: p.Value}
			filled[i] = true
			continue
		}
		cols[i].Min = math.Min(cols[i].Min, p.Value)
		cols[i].Max = math.Max(cols[i].Max, p.Value)
		cols[i].Last = p.Value
	}
	var out []Column
	for i := range cols {
		switch {
		case filled[i]:
			out = append(out, cols[i])
		case len(out) > 0:
			prev := out[len(out)-1].Last
			out = append(out, Column{Min: prev, Max: prev, Last: prev})
		}
	}
	return out
}
