package algorithm

import (
	"math"
	"math/rand/v2"
)

// source is the deterministic random source of one proposal. Only the PCG
// generator's raw output is used (its algorithm is fixed); the conversions
// to floats, normals and indices are this package's, so proposals for a seed
// stay the same across Go releases.
type source struct {
	pcg *rand.PCG
}

// newSource returns the source for trial number trial (0-based) of a search
// seeded with seed: the same pair always gives the same stream.
func newSource(seed int64, trial int, salt uint64) *source {
	return &source{pcg: rand.NewPCG(uint64(seed), splitmix(uint64(trial)^salt<<32))}
}

// splitmix scrambles x so that neighbouring trial numbers give unrelated
// streams.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// float returns a uniform number in [0, 1).
func (s *source) float() float64 {
	return float64(s.pcg.Uint64()>>11) / (1 << 53)
}

// intn returns a uniform integer in [0, n), n > 0.
func (s *source) intn(n int) int {
	return int(s.float() * float64(n))
}

// uniform returns a uniform number in [lo, hi).
func (s *source) uniform(lo, hi float64) float64 {
	return lo + (hi-lo)*s.float()
}

// normal returns a standard normal number (Box-Muller).
func (s *source) normal() float64 {
	u1 := 1 - s.float() // (0, 1]
	u2 := s.float()
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}
