package compare

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/metrics"
)

// none is what a cell without a value shows, as kubectl's tables do.
const none = "<none>"

// objective is the metric a TuningJob optimizes, and in which direction.
type objective struct {
	metric   string
	maximize bool
}

// table is what `kubectl ml compare` prints.
type table struct {
	rows      []*row
	objective *objective
	// metricNames are the series to show; all but progress counters when
	// empty.
	metricNames []string
	wide        bool
	now         time.Time
}

// metricColumns returns the series shown: the objective first, then the
// asked ones, or every series of any row but progress counters, by name.
func (t *table) metricColumns() []string {
	var names []string
	if len(t.metricNames) > 0 {
		names = slices.Clone(t.metricNames)
	} else {
		seen := map[string]bool{}
		for _, r := range t.rows {
			for name, s := range r.series {
				if !seen[name] && !metrics.IsCounter(s) {
					seen[name] = true
					names = append(names, name)
				}
			}
		}
		sort.Strings(names)
	}
	if t.objective != nil {
		names = slices.DeleteFunc(names, func(n string) bool { return n == t.objective.metric })
		names = append([]string{t.objective.metric}, names...)
	}
	return names
}

// paramColumns splits the parameters into those whose value differs
// between rows (the columns) and those every row has with the same value
// (listed once under the table). With one row every parameter is a column.
func (t *table) paramColumns() (varying []string, common map[string]string) {
	common = map[string]string{}
	seen := map[string]bool{}
	for _, r := range t.rows {
		for k := range r.params {
			seen[k] = true
		}
	}
	for k := range seen {
		same := len(t.rows) > 1
		for _, r := range t.rows {
			if v, ok := r.params[k]; !ok || v != t.rows[0].params[k] {
				same = false
				break
			}
		}
		if same {
			common[k] = t.rows[0].params[k]
		} else {
			varying = append(varying, k)
		}
	}
	sort.Strings(varying)
	return varying, common
}

// cell is one value of a row under a key: a metric (its last value),
// METRIC.min, METRIC.max, METRIC.best (the objective's best for its goal),
// a parameter, name, phase or duration. num is set when the value is a
// number.
type cell struct {
	text    string
	num     float64
	numeric bool
}

// lookup returns the cell of r under key, false when r has none.
func (t *table) lookup(r *row, key string) (cell, bool) {
	if s, ok := r.series[key]; ok {
		return pointCell(s.Last)
	}
	if i := strings.LastIndexByte(key, '.'); i > 0 {
		if s, ok := r.series[key[:i]]; ok {
			switch key[i+1:] {
			case "last":
				return pointCell(s.Last)
			case "min":
				return pointCell(s.Min)
			case "max":
				return pointCell(s.Max)
			case "best":
				if t.objective != nil && t.objective.maximize {
					return pointCell(s.Max)
				}
				return pointCell(s.Min)
			}
		}
	}
	if v, ok := r.params[key]; ok {
		f, err := strconv.ParseFloat(v, 64)
		return cell{text: v, num: f, numeric: err == nil}, true
	}
	switch strings.ToLower(key) {
	case "name":
		return cell{text: r.name}, true
	case "phase":
		return cell{text: r.phase}, r.phase != ""
	case "duration":
		d, ok := r.duration(t.now)
		if !ok {
			return cell{}, false
		}
		return cell{text: duration.HumanDuration(d), num: d.Seconds(), numeric: true}, true
	}
	return cell{}, false
}

func pointCell(p *mlv1alpha1.MetricPoint) (cell, bool) {
	if p == nil {
		return cell{}, false
	}
	return cell{text: strconv.FormatFloat(p.Value, 'g', 6, 64), num: p.Value, numeric: true}, true
}

// knows reports whether key names a column of any row.
func (t *table) knows(key string) bool {
	for _, r := range t.rows {
		if _, ok := t.lookup(r, key); ok {
			return true
		}
	}
	return slices.Contains([]string{"name", "phase", "duration"}, strings.ToLower(key))
}

// sortBy orders the rows by key, ascending or descending; rows without a
// value for key go last, ties keep their order. Numbers compare as numbers.
func (t *table) sortBy(key string, descending bool) {
	slices.SortStableFunc(t.rows, func(a, b *row) int {
		ca, oka := t.lookup(a, key)
		cb, okb := t.lookup(b, key)
		switch {
		case !oka && !okb:
			return 0
		case !oka:
			return 1
		case !okb:
			return -1
		}
		var c int
		if ca.numeric && cb.numeric {
			c = cmp.Compare(ca.num, cb.num)
		} else {
			c = strings.Compare(ca.text, cb.text)
		}
		if descending {
			c = -c
		}
		return c
	})
}

// sortDefault orders the rows oldest first, then by name.
func (t *table) sortDefault() {
	slices.SortStableFunc(t.rows, func(a, b *row) int {
		if c := a.created.Compare(b.created); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
}

// print writes the table, and the parameters every row shares under it.
func (t *table) print(w io.Writer) error {
	varying, common := t.paramColumns()
	metricNames := t.metricColumns()
	headers := []string{"NAME", "PHASE", "DURATION"}
	keys := []string{"name", "phase", "duration"}
	for _, p := range varying {
		headers, keys = append(headers, p), append(keys, p)
	}
	for _, m := range metricNames {
		headers, keys = append(headers, m), append(keys, m)
		if t.objective != nil && m == t.objective.metric {
			headers, keys = append(headers, m+".best"), append(keys, m+".best")
		}
		if t.wide {
			headers, keys = append(headers, m+".min", m+".max"), append(keys, m+".min", m+".max")
		}
	}
	kinds := map[string]bool{}
	for _, r := range t.rows {
		kinds[r.resource] = true
	}
	tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
	fmt.Fprintln(tw, strings.Join(headers, "\t"))
	for _, r := range t.rows {
		cells := make([]string, len(keys))
		for i, k := range keys {
			c, ok := t.lookup(r, k)
			switch {
			case i == 0 && len(kinds) > 1:
				cells[i] = strings.TrimSuffix(r.resource, "s") + "/" + r.name
			case !ok || c.text == "":
				cells[i] = none
			default:
				cells[i] = c.text
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(common) > 0 {
		names := make([]string, 0, len(common))
		for k := range common {
			names = append(names, k)
		}
		sort.Strings(names)
		for i, k := range names {
			names[i] = k + "=" + common[k]
		}
		if _, err := fmt.Fprintf(w, "\nSame in every row: %s\n", strings.Join(names, " ")); err != nil {
			return err
		}
	}
	return nil
}
