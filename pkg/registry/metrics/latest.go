package metrics

import (
	"context"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/storage/metricstore"
)

// DefaultLatestInterval is how often status.latestMetrics of an object
// with new points is written, at most.
const DefaultLatestInterval = 5 * time.Second

// MaxLatestMetrics bounds status.latestMetrics: the series first by name.
const MaxLatestMetrics = 32

// LatestUpdater writes the latest values of owner's series into its status.
type LatestUpdater func(ctx context.Context, owner metricstore.Owner, latest []ml.MetricValue) error

// LatestWriter keeps status.latestMetrics up to date without a status write
// per point: Touch marks an object, and Run writes the marked objects at
// most once per interval, from the store's summaries.
type LatestWriter struct {
	Store    metricstore.MetricStore
	Update   LatestUpdater
	Interval time.Duration

	mu    sync.Mutex
	dirty map[metricstore.Owner]struct{}
}

// Touch marks owner for the next write.
func (w *LatestWriter) Touch(owner metricstore.Owner) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.dirty == nil {
		w.dirty = map[metricstore.Owner]struct{}{}
	}
	w.dirty[owner] = struct{}{}
}

// Run writes the marked objects every interval until ctx is done, and once
// more at the end.
func (w *LatestWriter) Run(ctx context.Context) {
	interval := w.Interval
	if interval <= 0 {
		interval = DefaultLatestInterval
	}
	wait.UntilWithContext(ctx, w.Flush, interval)
	flushCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	w.Flush(flushCtx)
}

// Flush writes the marked objects now.
func (w *LatestWriter) Flush(ctx context.Context) {
	w.mu.Lock()
	dirty := w.dirty
	w.dirty = nil
	w.mu.Unlock()
	logger := klog.FromContext(ctx)
	for owner := range dirty {
		series, err := w.Store.Read(ctx, owner, metricstore.Query{SummaryOnly: true})
		if err == nil {
			err = w.Update(ctx, owner, Latest(series))
		}
		if err != nil {
			logger.V(2).Info("Cannot update status.latestMetrics", "resource", owner.Resource,
				"object", klog.KRef(owner.Namespace, owner.Name), "err", err)
		}
	}
}

// Latest is the status.latestMetrics of series (sorted by task and name),
// at most MaxLatestMetrics of them.
func Latest(series []metricstore.Series) []ml.MetricValue {
	out := make([]ml.MetricValue, 0, min(len(series), MaxLatestMetrics))
	for _, s := range series {
		if s.Task != "" || len(out) == MaxLatestMetrics {
			continue
		}
		out = append(out, ml.MetricValue{Name: s.Name, Value: s.Last.Value, Step: s.Last.Step})
	}
	return out
}
