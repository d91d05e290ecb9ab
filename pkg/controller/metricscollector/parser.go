package metricscollector

import (
	"fmt"
	"math"
	"regexp"
	"strconv"

	"k8s.io/apimachinery/pkg/util/validation"
)

// DefaultFormat is Katib's default StdOut metrics filter: name=value pairs
// with the value as a decimal or scientific number.
const DefaultFormat = `([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)`

// stepNames give the step of the other pairs of their line, in order of
// precedence; "step" itself is not kept as a series.
var stepNames = []string{"step", "epoch", "iteration", "iter"}

// Pair is one metric value found in a line.
type Pair struct {
	Name  string
	Value float64
}

// Parser finds metric pairs in log lines.
type Parser struct {
	re *regexp.Regexp
}

// NewParser compiles format (DefaultFormat when empty): a regular
// expression whose first group is the name and second the value.
func NewParser(format string) (*Parser, error) {
	if format == "" {
		format = DefaultFormat
	}
	re, err := regexp.Compile(format)
	if err != nil {
		return nil, fmt.Errorf("metrics format %q: %w", format, err)
	}
	if re.NumSubexp() < 2 {
		return nil, fmt.Errorf("metrics format %q: needs two groups (name and value), has %d", format, re.NumSubexp())
	}
	return &Parser{re: re}, nil
}

// Parse returns the pairs of line whose value is a finite number and whose
// name is a valid metric name, and the step the line names, if any.
func (p *Parser) Parse(line string) (pairs []Pair, step int64, hasStep bool) {
	for _, m := range p.re.FindAllStringSubmatch(line, -1) {
		name, raw := m[1], m[2]
		v, err := strconv.ParseFloat(raw, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		if len(validation.IsQualifiedName(name)) > 0 {
			continue
		}
		pairs = append(pairs, Pair{Name: name, Value: v})
	}
	for _, s := range stepNames {
		for i, pair := range pairs {
			if pair.Name != s || pair.Value < 0 || pair.Value != math.Trunc(pair.Value) {
				continue
			}
			if s == "step" {
				pairs = append(pairs[:i:i], pairs[i+1:]...)
			}
			return pairs, int64(pair.Value), true
		}
	}
	return pairs, 0, false
}
