package algorithm

import (
	"math"
	"strconv"
)

// eps absorbs floating point error when counting grid points.
const eps = 1e-9

// formatFloat formats v with 8 significant digits, shortest form, so that
// 0.1*3 reads "0.3" in a trial's arguments.
func formatFloat(v float64) string {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 8, 64), 64)
	return strconv.FormatFloat(r, 'g', -1, 64)
}

// step returns the parameter's grid step, 0 for a continuous parameter.
func (p Parameter) step() float64 {
	if p.Type == Int && p.Step <= 0 {
		return 1
	}
	return p.Step
}

// choices reports whether p takes one of its Values.
func (p Parameter) choices() bool {
	return p.Type == Categorical || p.Type == Discrete
}

// gridSize returns the number of values of a parameter with a step or
// values, 0 for a continuous one.
func (p Parameter) gridSize() int {
	if p.choices() {
		return len(p.Values)
	}
	st := p.step()
	if st <= 0 {
		return 0
	}
	return int(math.Floor((p.Max-p.Min)/st+eps)) + 1
}

// gridValue returns the i-th value of a parameter with a step or values.
func (p Parameter) gridValue(i int) string {
	if p.choices() {
		return p.Values[i]
	}
	return p.format(p.Min + float64(i)*p.step())
}

// format formats a numeric value of p.
func (p Parameter) format(v float64) string {
	if p.Type == Int {
		return strconv.FormatInt(int64(math.Round(v)), 10)
	}
	return formatFloat(v)
}

// bounds returns the numeric range of p in the space the algorithms search:
// log space for a Log parameter.
func (p Parameter) bounds() (lo, hi float64) {
	if p.Log {
		return math.Log(p.Min), math.Log(p.Max)
	}
	return p.Min, p.Max
}

// toInternal maps a value of a numeric p to the search space.
func (p Parameter) toInternal(v float64) float64 {
	if p.Log {
		return math.Log(v)
	}
	return v
}

// fromInternal maps a search space number back to a value of p, snapped to
// its step grid and clamped to [Min, Max].
func (p Parameter) fromInternal(x float64) string {
	v := x
	if p.Log {
		v = math.Exp(x)
	}
	if st := p.step(); st > 0 {
		k := math.Round((v - p.Min) / st)
		n := float64(p.gridSize() - 1)
		v = p.Min + math.Max(0, math.Min(k, n))*st
	}
	return p.format(math.Max(p.Min, math.Min(p.Max, v)))
}

// parseInternal parses value (as an Assignment holds it) of a numeric p into
// the search space; ok is false when it does not parse or is out of range.
func (p Parameter) parseInternal(value string) (x float64, ok bool) {
	v, err := strconv.ParseFloat(value, 64)
	if err != nil || math.IsNaN(v) || v < p.Min-eps || v > p.Max+eps || (p.Log && v <= 0) {
		return 0, false
	}
	return p.toInternal(v), true
}

// choiceIndex returns the index of value in p.Values, -1 if absent.
func (p Parameter) choiceIndex(value string) int {
	for i, v := range p.Values {
		if v == value {
			return i
		}
	}
	return -1
}

// sampleUniform draws a value of p uniformly: uniform over the choices,
// over the grid points of a linear stepped parameter, and uniform (or
// log-uniform) over [Min, Max] otherwise.
func (p Parameter) sampleUniform(src *source) string {
	if p.choices() {
		return p.Values[src.intn(len(p.Values))]
	}
	if n := p.gridSize(); n > 0 && !p.Log {
		return p.gridValue(src.intn(n))
	}
	lo, hi := p.bounds()
	if p.Type == Int && !p.Log {
		// Widen by half a step so the end points are as likely as the rest.
		return p.fromInternal(src.uniform(lo-0.5*p.step(), hi+0.5*p.step()))
	}
	return p.fromInternal(src.uniform(lo, hi))
}
