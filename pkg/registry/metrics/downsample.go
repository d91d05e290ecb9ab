package metrics

import (
	"ml.example.io/ml-apiserver/pkg/storage/metricstore"
)

// MinMaxPoints is the smallest maxPoints a query may ask for: the first,
// last, minimum and maximum points.
const MinMaxPoints = 4

// Downsample returns at most limit of points (sorted by step), keeping the
// shape: the first and last points, and the minimum and maximum of each of
// (limit-2)/2 equal buckets in between, in step order. The minimum and
// maximum of the whole series are therefore always kept. points is
// returned as is when it is short enough or max is 0.
func Downsample(points []metricstore.Point, limit int) []metricstore.Point {
	n := len(points)
	if limit <= 0 || n <= limit {
		return points
	}
	limit = max(limit, MinMaxPoints)
	out := make([]metricstore.Point, 0, limit)
	out = append(out, points[0])
	inner := points[1 : n-1]
	buckets := (limit - 2) / 2
	for b := range buckets {
		lo, hi := b*len(inner)/buckets, (b+1)*len(inner)/buckets
		if lo == hi {
			continue
		}
		minI, maxI := lo, lo
		for i := lo + 1; i < hi; i++ {
			if inner[i].Value < inner[minI].Value {
				minI = i
			}
			if inner[i].Value > inner[maxI].Value {
				maxI = i
			}
		}
		first, second := minI, maxI
		if first > second {
			first, second = second, first
		}
		out = append(out, inner[first])
		if second != first {
			out = append(out, inner[second])
		}
	}
	return append(out, points[n-1])
}
