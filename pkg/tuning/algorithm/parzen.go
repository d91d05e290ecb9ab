package algorithm

import (
	"math"
	"sort"
)

// priorWeight is the weight of the prior component of a Parzen estimator (as
// Optuna's prior_weight).
const priorWeight = 1.0

// fullWeightTrials is how many of the newest observations keep full weight;
// older ones ramp down (Optuna's default_weights).
const fullWeightTrials = 25

// observationWeights returns the weights of n observations in creation
// order: all 1 below fullWeightTrials, else a ramp from 1/n to 1 for the
// oldest and 1 for the newest fullWeightTrials.
func observationWeights(n int) []float64 {
	w := make([]float64, n)
	ramp := n - fullWeightTrials
	for i := range w {
		w[i] = 1
		if ramp > 0 && i < ramp {
			if ramp == 1 {
				w[i] = 1 / float64(n)
			} else {
				w[i] = 1/float64(n) + (1-1/float64(n))*float64(i)/float64(ramp-1)
			}
		}
	}
	return w
}

// normalize scales w to sum 1 in place.
func normalize(w []float64) []float64 {
	sum := 0.0
	for _, v := range w {
		sum += v
	}
	for i := range w {
		w[i] /= sum
	}
	return w
}

// pickComponent draws an index from the distribution w (summing to 1).
func pickComponent(w []float64, src *source) int {
	u := src.float()
	for i, v := range w {
		if u < v {
			return i
		}
		u -= v
	}
	return len(w) - 1
}

// truncNormalMixture is a mixture of Gaussians truncated to [lo, hi]: the
// Parzen estimator of a numeric parameter.
type truncNormalMixture struct {
	lo, hi  float64
	weights []float64
	mus     []float64
	sigmas  []float64
	// logNorm is each component's log weight minus the log of its
	// normalizer (sigma*sqrt(2*pi) times its mass within [lo, hi]).
	logNorm []float64
}

// newTruncNormalMixture builds the estimator of observations xs (creation
// order) over [lo, hi]: one component per observation and a wide prior in
// the middle; each component's width is the larger distance to its
// neighbours, clipped to [(hi-lo)/min(100, n+1), hi-lo] (Optuna's univariate
// estimator with consider_endpoints off and the magic clip).
func newTruncNormalMixture(xs []float64, lo, hi float64) *truncNormalMixture {
	n := len(xs)
	m := &truncNormalMixture{lo: lo, hi: hi}
	m.weights = normalize(append(observationWeights(n), priorWeight))
	m.mus = append(append([]float64(nil), xs...), (lo+hi)/2)
	m.sigmas = make([]float64, n+1)

	width := hi - lo
	order := make([]int, n+1)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return m.mus[order[a]] < m.mus[order[b]] })
	sorted := make([]float64, 0, n+3)
	sorted = append(sorted, lo)
	for _, i := range order {
		sorted = append(sorted, m.mus[i])
	}
	sorted = append(sorted, hi)
	for k, i := range order {
		j := k + 1 // position in sorted
		left, right := sorted[j]-sorted[j-1], sorted[j+1]-sorted[j]
		switch {
		case len(order) >= 2 && k == 0:
			left = 0
		case len(order) >= 2 && k == len(order)-1:
			right = 0
		}
		m.sigmas[i] = math.Max(left, right)
	}
	m.sigmas[n] = width
	minSigma := width / math.Min(100, float64(n+2))
	for i, s := range m.sigmas {
		m.sigmas[i] = math.Min(math.Max(s, minSigma), width)
	}
	m.logNorm = make([]float64, n+1)
	for i, mu := range m.mus {
		s := m.sigmas[i]
		mass := math.Max(phi((hi-mu)/s)-phi((lo-mu)/s), 1e-300)
		m.logNorm[i] = math.Log(m.weights[i]) - math.Log(s*math.Sqrt(2*math.Pi)) - math.Log(mass)
	}
	return m
}

// phi is the standard normal distribution function.
func phi(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

// sample draws from the mixture.
func (m *truncNormalMixture) sample(src *source) float64 {
	i := pickComponent(m.weights, src)
	mu, s := m.mus[i], m.sigmas[i]
	a, b := phi((m.lo-mu)/s), phi((m.hi-mu)/s)
	p := a + (b-a)*src.float()
	p = math.Min(math.Max(p, 1e-300), 1-1e-16)
	x := mu - s*math.Sqrt2*math.Erfcinv(2*p)
	if math.IsNaN(x) {
		x = mu
	}
	return math.Min(math.Max(x, m.lo), m.hi)
}

// logPDF returns the log density of the mixture at x.
func (m *truncNormalMixture) logPDF(x float64) float64 {
	terms := make([]float64, len(m.mus))
	for i, mu := range m.mus {
		z := (x - mu) / m.sigmas[i]
		terms[i] = m.logNorm[i] - 0.5*z*z
	}
	return logSumExp(terms)
}

func logSumExp(xs []float64) float64 {
	hi := math.Inf(-1)
	for _, x := range xs {
		hi = math.Max(hi, x)
	}
	if math.IsInf(hi, -1) {
		return hi
	}
	sum := 0.0
	for _, x := range xs {
		sum += math.Exp(x - hi)
	}
	return hi + math.Log(sum)
}

// categoricalMixture is the Parzen estimator of a parameter with k choices:
// each observation is a component peaked at its choice and smoothed by
// priorWeight/k over all of them, plus a uniform prior component.
type categoricalMixture struct {
	probs []float64 // the mixture's probability of each choice
}

func newCategoricalMixture(idx []int, k int) *categoricalMixture {
	w := normalize(append(observationWeights(len(idx)), priorWeight))
	probs := make([]float64, k)
	for c := range probs {
		probs[c] = w[len(idx)] / float64(k)
	}
	for i, choice := range idx {
		for c := range probs {
			p := priorWeight / float64(k)
			if c == choice {
				p++
			}
			probs[c] += w[i] * p / (1 + priorWeight)
		}
	}
	return &categoricalMixture{probs: probs}
}

func (m *categoricalMixture) sample(src *source) int { return pickComponent(m.probs, src) }

func (m *categoricalMixture) logPMF(c int) float64 { return math.Log(m.probs[c]) }
