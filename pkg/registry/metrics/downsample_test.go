package metrics

import (
	"math"
	"testing"

	"ml.example.io/ml-apiserver/pkg/storage/metricstore"
)

func TestDownsampleKeepsFirstLastMinMax(t *testing.T) {
	for _, tc := range []struct {
		n, limit int
	}{{10, 0}, {10, 10}, {11, 10}, {1000, 4}, {1000, 5}, {100000, 1000}, {7, 4}} {
		points := make([]metricstore.Point, tc.n)
		for i := range points {
			points[i] = metricstore.Point{Step: int64(i), Value: math.Sin(float64(i) / 7)}
		}
		lo, hi := tc.n/3, 2*tc.n/3
		points[lo].Value, points[hi].Value = -10, 10
		got := Downsample(points, tc.limit)
		if tc.limit == 0 || tc.n <= tc.limit {
			if len(got) != tc.n {
				t.Errorf("n=%d limit=%d: %d points, want all", tc.n, tc.limit, len(got))
			}
			continue
		}
		if len(got) > tc.limit {
			t.Errorf("n=%d limit=%d: %d points", tc.n, tc.limit, len(got))
		}
		steps := map[int64]bool{}
		for i, p := range got {
			steps[p.Step] = true
			if i > 0 && p.Step <= got[i-1].Step {
				t.Errorf("n=%d limit=%d: out of order at %d", tc.n, tc.limit, i)
			}
		}
		for _, want := range []int{0, tc.n - 1, lo, hi} {
			if !steps[int64(want)] {
				t.Errorf("n=%d limit=%d: step %d (first, last, min or max) dropped", tc.n, tc.limit, want)
			}
		}
	}
}
