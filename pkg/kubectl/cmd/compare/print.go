package compare

import (
	"fmt"
	"text/tabwriter"

	"ml.example.io/ml-apiserver/pkg/kubectl/chart"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/metrics"
)

// print writes the table and, with --chart, the chart of one metric of
// every row and its legend.
func (o *Options) print(t *table) error {
	if err := t.print(o.Out); err != nil {
		return err
	}
	if o.Chart == "" {
		return nil
	}
	var series []chart.Series
	tw := tabwriter.NewWriter(o.Out, 0, 8, 2, ' ', 0)
	for _, r := range t.rows {
		s, ok := r.series[o.Chart]
		if !ok {
			continue
		}
		points := make([]chart.Point, 0, len(s.Points))
		for _, p := range s.Points {
			points = append(points, chart.Point{Step: p.Step, Value: p.Value})
		}
		c, _ := pointCell(s.Last)
		fmt.Fprintf(tw, "  %c\t%s\t%s\n", chart.Marker(len(series)), r.name, c.text)
		series = append(series, chart.Series{Name: r.name, Points: points})
	}
	width := o.Width
	if width == 0 {
		width = metrics.TerminalWidth(o.Out)
	}
	fmt.Fprintln(o.Out)
	if err := chart.DrawMany(o.Out, o.Chart, series, chart.Options{MaxWidth: width, Height: o.Height}); err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "  %c where rows meet; last values:\n", chart.Overlap)
	return tw.Flush()
}
