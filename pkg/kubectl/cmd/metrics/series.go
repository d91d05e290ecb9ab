package metrics

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"golang.org/x/term"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

const (
	// minWidth is the narrowest chart --width accepts.
	minWidth = 20
	// defaultWidth is the width of charts written to something that is not
	// a terminal, as kubectl assumes.
	defaultWidth = 80
)

// counterNames are the names (after the last "/" or ".", in any case) of
// series that count training progress rather than measure it.
var counterNames = map[string]bool{
	"epoch": true, "epochs": true,
	"step": true, "steps": true, "global_step": true, "globalstep": true,
	"iteration": true, "iterations": true, "iter": true,
	"batch": true, "batch_idx": true,
}

// IsCounter says whether a series is a progress counter, which a chart
// shows as a straight ramp: its name is one of counterNames (epoch, step,
// global_step, iteration, batch, ...), and its values are whole numbers
// that never decrease. A series named so that goes down, or has fractions,
// is a measurement and is charted.
func IsCounter(s mlv1alpha1.MetricSeries) bool {
	name := strings.ToLower(s.Name)
	if i := strings.LastIndexAny(name, "/."); i >= 0 {
		name = name[i+1:]
	}
	if !counterNames[name] {
		return false
	}
	for i, p := range s.Points {
		if p.Value != math.Trunc(p.Value) || math.IsInf(p.Value, 0) {
			return false
		}
		if i > 0 && p.Value < s.Points[i-1].Value {
			return false
		}
	}
	return true
}

// TerminalWidth is the width of w when it is a terminal, defaultWidth
// otherwise.
func TerminalWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return defaultWidth
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil || width < minWidth {
		return defaultWidth
	}
	return width
}

// checkNames says which series --names asked for that m does not have, and
// which series there are, reading them once more without --names; and
// whether none of those asked for is there.
func (o *Options) checkNames(ctx context.Context, m *mlv1alpha1.Metrics) (none bool, err error) {
	var missing []string
	for _, n := range o.Names {
		if !slices.ContainsFunc(m.Series, func(s mlv1alpha1.MetricSeries) bool { return s.Name == n }) {
			missing = append(missing, fmt.Sprintf("%q", n))
		}
	}
	if len(missing) == 0 {
		return false, nil
	}
	none = len(missing) == len(o.Names)
	all := *o
	all.Names, all.MaxPoints, all.SinceStep = nil, 4, -1
	every, err := all.Get(ctx)
	if err != nil {
		return none, err
	}
	var names []string
	for _, s := range every.Series {
		if !slices.Contains(names, s.Name) {
			names = append(names, s.Name)
		}
	}
	slices.Sort(names)
	which := "series named " + strings.Join(missing, ", ")
	if len(names) == 0 {
		return none, fmt.Errorf("no %s: %s has no metrics yet", which, o.target)
	}
	return none, fmt.Errorf("no %s in %s; its series are: %s", which, o.target, strings.Join(names, ", "))
}
