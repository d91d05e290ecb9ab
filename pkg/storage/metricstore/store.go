package metricstore

import (
	"context"

	"k8s.io/apimachinery/pkg/types"
)

// MetricStore keeps the metric series of objects.
type MetricStore interface {
	// Append adds points to series of owner, creating the series as needed.
	// The batch is stored entirely or not at all: a *SeriesCapError,
	// *BytesCapError or *budget.ExceededError says which bound refused it.
	Append(ctx context.Context, owner Owner, batch []Series) error
	// Read returns the series of owner that q selects, sorted by task and
	// name, their points in step order.
	Read(ctx context.Context, owner Owner, q Query) ([]Series, error)
	// Each calls fn with the series of owner that q selects, in the order
	// of Read, one at a time, and stops at the first error fn returns.
	Each(ctx context.Context, owner Owner, q Query, fn func(Series) error) error
	// Delete removes every series of owner. An empty owner UID removes the
	// series of every object that had owner's name. The bytes they used
	// go back to the budget.
	Delete(ctx context.Context, owner Owner) error
	// WatchAppends calls fn with the owner of every append until ctx is
	// done, and first with every owner that has series.
	WatchAppends(ctx context.Context, fn func(Owner)) error
}

// Owner is the object series belong to.
type Owner struct {
	// Resource is the plural resource, for example "trainingjobs".
	Resource  string
	Namespace string
	Name      string
	UID       types.UID
}

// SeriesID names a series of an owner.
type SeriesID struct {
	// Task is the PipelineRun task of the series; empty for other kinds.
	Task string
	// Name is the metric's name.
	Name string
}

// Point is one value of a series.
type Point struct {
	Step int64
	// Time is in microseconds since the Unix epoch.
	Time  int64
	Value float64
}

// Series is a series with its points and summary. In an Append only
// SeriesID and Points are read.
type Series struct {
	SeriesID
	Points []Point
	// Count is the number of points stored.
	Count int64
	// Last is the point with the highest step (the latest reported among
	// equal steps); Min and Max the points with the lowest and highest
	// values ever reported.
	Last, Min, Max Point
}

// Query selects series and points.
type Query struct {
	// Names selects series by name; every series when empty.
	Names []string
	// Task selects the series of one task; every task when empty.
	Task string
	// SinceStep drops points before this step.
	SinceStep int64
	// SummaryOnly returns the summaries without points.
	SummaryOnly bool
}

// selects says whether q selects the series id.
func (q Query) selects(id SeriesID) bool {
	if q.Task != "" && id.Task != q.Task {
		return false
	}
	if len(q.Names) == 0 {
		return true
	}
	for _, n := range q.Names {
		if n == id.Name {
			return true
		}
	}
	return false
}
