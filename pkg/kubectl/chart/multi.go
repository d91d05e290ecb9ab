package chart

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// Series is one named line of a chart of several.
type Series struct {
	Name   string
	Points []Point
}

// markers are the characters that tell the series of one chart apart, in
// series order; series beyond them are drawn with '.'.
const markers = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// Overlap is the character of a cell where several series meet.
const Overlap = '#'

// Marker returns the character series i of DrawMany is drawn with.
func Marker(i int) byte {
	if i < len(markers) {
		return markers[i]
	}
	return '.'
}

// DrawMany writes one chart of several series to w: the y axis spans every
// series, the x axis every step, and each column shows each series' last
// value in that column with its Marker (Overlap where series meet). When
// there are fewer steps than columns, the steps spread out up to 4 columns
// apart. Points are sorted by step within each series. The caller prints
// the legend.
func DrawMany(w io.Writer, title string, series []Series, o Options) error {
	if o.Width <= 0 {
		o.Width = 60
	}
	if o.Height <= 1 {
		o.Height = 8
	}
	first, last := int64(math.MaxInt64), int64(math.MinInt64)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for _, p := range s.Points {
			if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
				continue
			}
			first, last = min(first, p.Step), max(last, p.Step)
			lo, hi = math.Min(lo, p.Value), math.Max(hi, p.Value)
		}
	}
	if first > last {
		_, err := fmt.Fprintf(w, "%s: no points\n", title)
		return err
	}
	labelWidth := max(len(axis(lo)), len(axis(hi)))
	if o.MaxWidth > 0 {
		o.Width = max(o.MaxWidth-labelWidth-2, minPlotWidth)
	}
	// Many steps share a column; few steps spread out, 4 columns apart.
	cols := int(min(int64(o.Width), last-first+1))
	column := func(step int64) int {
		return min(max(int(float64(step-first)/(float64(last-first)+1)*float64(cols)), 0), cols-1)
	}
	if spread := 4*(last-first) + 1; last-first+1 < int64(o.Width) && spread > last-first+1 {
		cols = int(min(int64(o.Width), spread))
		column = func(step int64) int {
			return int(math.Round(float64(step-first) / float64(last-first) * float64(cols-1)))
		}
	}
	row := func(v float64) int {
		if hi == lo {
			return o.Height / 2
		}
		return int(math.Round((v - lo) / (hi - lo) * float64(o.Height-1)))
	}
	grid := make([][]byte, o.Height)
	for i := range grid {
		grid[i] = []byte(strings.Repeat(" ", cols))
	}
	for i, s := range series {
		mark := Marker(i)
		lastIn := make([]float64, cols)
		filled := make([]bool, cols)
		for _, p := range s.Points {
			if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
				continue
			}
			x := column(p.Step)
			lastIn[x], filled[x] = p.Value, true
		}
		for x := range cols {
			if !filled[x] {
				continue
			}
			cell := &grid[row(lastIn[x])][x]
			switch *cell {
			case ' ', mark:
				*cell = mark
			default:
				*cell = Overlap
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", title)
	for y := o.Height - 1; y >= 0; y-- {
		l := ""
		switch y {
		case o.Height - 1:
			l = axis(hi)
		case 0:
			l = axis(lo)
		}
		fmt.Fprintf(&b, "%*s ┤%s\n", labelWidth, l, strings.TrimRight(string(grid[y]), " "))
	}
	firstLabel, lastLabel := fmt.Sprintf("step %d", first), fmt.Sprintf("%d", last)
	fmt.Fprintf(&b, "%*s └%s\n", labelWidth, "", strings.Repeat("─", cols))
	gap := max(cols-len(firstLabel)-len(lastLabel), 1)
	fmt.Fprintf(&b, "%*s  %s%s%s\n", labelWidth, "", firstLabel, strings.Repeat(" ", gap), lastLabel)
	_, err := io.WriteString(w, b.String())
	return err
}
