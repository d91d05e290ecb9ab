package metricscollector

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/storage/metricstore"
)

// LogStreamer opens the log of a pod's container, with timestamps, from
// sinceTime on when it is set; follow keeps it open until the container
// ends or ctx is done.
type LogStreamer interface {
	StreamLog(ctx context.Context, namespace, pod, container string, sinceTime *metav1.Time) (io.ReadCloser, error)
}

const (
	// flushPoints and flushInterval bound a batch of points: posted when
	// it is this big or this old.
	flushPoints   = 1000
	flushInterval = time.Second
	// retryInterval is the wait before reopening a log that ended while
	// its pod still ran.
	retryInterval = 2 * time.Second
	// maxLineBytes bounds a log line; longer lines are skipped.
	maxLineBytes = 1 << 20
)

// follower turns the log of one pod into points of its job.
type follower struct {
	namespace, job, pod, container string
	parser                         *Parser
	logs                           LogStreamer
	api                            API
	clock                          clock.PassiveClock
	// finished says whether the pod has ended (or is gone), so that the
	// end of its log is the end of the follower.
	finished func() bool

	// maxSeries bounds the series of the job: past it, pairs of new names
	// are skipped, while the series already stored keep their points.
	maxSeries int
	// stored are the series the server has; newSeries counts the pending
	// series that are not stored yet; serverCapped says the server refused
	// new series; capLogged that the cap was logged (once).
	stored       map[string]bool
	newSeries    int
	serverCapped bool
	capLogged    bool
	logger       klog.Logger

	// next is the step of the next point of each series without a step.
	next    map[string]int64
	pending map[string][]mlv1alpha1.MetricPoint
	count   int
	// last is the timestamp of the last line read: a reopened log skips
	// what was already read.
	last time.Time
}

// run follows the pod's log until it has ended or ctx is done, posting
// points as they come.
func (f *follower) run(ctx context.Context) {
	logger := klog.FromContext(ctx).WithValues("trainingJob", klog.KRef(f.namespace, f.job), "pod", f.pod)
	ctx = klog.NewContext(ctx, logger)
	steps, _, err := f.api.LastSteps(ctx, f.namespace, f.job)
	if err != nil {
		logger.V(2).Info("Cannot read the stored metrics, steps start at 0", "err", err)
	}
	f.start(logger, steps)
	for ctx.Err() == nil {
		err := f.follow(ctx)
		f.flush(ctx)
		switch {
		case apierrors.IsNotFound(err):
			return
		case err != nil:
			logger.V(2).Info("Log stream broke", "err", err)
		case f.finished():
			logger.V(4).Info("Log of a finished pod read to its end")
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(retryInterval):
		}
	}
}

// start sets the follower up for a job whose series have these last steps.
func (f *follower) start(logger klog.Logger, steps map[string]int64) {
	f.logger = logger
	if f.maxSeries <= 0 {
		f.maxSeries = metricstore.DefaultMaxSeriesPerObject
	}
	f.next = map[string]int64{}
	f.stored = map[string]bool{}
	for name, step := range steps {
		f.next[name] = step + 1
		f.stored[name] = true
	}
	f.pending = map[string][]mlv1alpha1.MetricPoint{}
}

// admit says whether a pair of the series name is collected: a new series
// only while the job has fewer than maxSeries and the server took them.
func (f *follower) admit(name string) bool {
	if f.stored[name] || f.pending[name] != nil {
		return true
	}
	if !f.serverCapped && len(f.stored)+f.newSeries < f.maxSeries {
		f.newSeries++
		return true
	}
	f.capReached("the collector's cap", name)
	return false
}

// storedOnly returns the series of batch the server already has.
func (f *follower) storedOnly(batch []mlv1alpha1.MetricSeries) []mlv1alpha1.MetricSeries {
	known := batch[:0]
	for _, s := range batch {
		if f.stored[s.Name] {
			known = append(known, s)
		}
	}
	return known
}

// capReached logs once that new series are no longer collected.
func (f *follower) capReached(why, name string) {
	if f.capLogged {
		return
	}
	f.capLogged = true
	f.logger.Info("Metric series cap reached: new series of the job are skipped, its existing series are still collected",
		"reason", why, "cap", f.maxSeries, "series", len(f.stored), "skipped", name)
}

// follow reads one log stream to its end.
func (f *follower) follow(ctx context.Context) error {
	var since *metav1.Time
	if !f.last.IsZero() {
		since = &metav1.Time{Time: f.last}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := f.logs.StreamLog(ctx, f.namespace, f.pod, f.container, since)
	if err != nil {
		return err
	}
	defer func() { _ = stream.Close() }()

	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		defer close(lines)
		scanner := bufio.NewScanner(stream)
		scanner.Buffer(make([]byte, 64<<10), maxLineBytes)
		for scanner.Scan() {
			select {
			case lines <- scanner.Text():
			case <-ctx.Done():
				return
			}
		}
		readErr <- scanner.Err()
	}()
	ticker := time.NewTicker(flushInterval)
	defer ticker.Stop()
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				select {
				case err := <-readErr:
					if errors.Is(err, context.Canceled) {
						return nil
					}
					return err
				default:
					return nil
				}
			}
			f.line(line)
			if f.count >= flushPoints {
				f.flush(ctx)
			}
		case <-ticker.C:
			f.flush(ctx)
		case <-ctx.Done():
			return nil
		}
	}
}

// line parses one timestamped log line into pending points.
func (f *follower) line(line string) {
	ts, text, ok := strings.Cut(line, " ")
	t, err := time.Parse(time.RFC3339Nano, ts)
	if !ok || err != nil {
		t, text = f.clock.Now(), line
	} else {
		if !t.After(f.last) && !f.last.IsZero() {
			// Read before the stream was reopened.
			return
		}
		f.last = t
	}
	pairs, step, hasStep := f.parser.Parse(text)
	for _, p := range pairs {
		if !f.admit(p.Name) {
			continue
		}
		s := step
		if !hasStep {
			s = f.next[p.Name]
		}
		if s >= f.next[p.Name] {
			f.next[p.Name] = s + 1
		}
		f.pending[p.Name] = append(f.pending[p.Name], mlv1alpha1.MetricPoint{Step: s, Value: p.Value, Time: metav1.NewMicroTime(t)})
		f.count++
	}
}

// flush posts the pending points, at most the request limits at a time.
// Points the server refuses are dropped: a collector must not stall on
// them. When the server refuses new series (its own cap), the points of
// the stored series in the batch are posted again without them, and no
// new series is collected any more.
func (f *follower) flush(ctx context.Context) {
	if f.count == 0 {
		return
	}
	var batch []mlv1alpha1.MetricSeries
	n := 0
	send := func() {
		if f.serverCapped {
			batch = f.storedOnly(batch)
		}
		if len(batch) == 0 {
			return
		}
		err := f.api.Append(ctx, f.namespace, f.job, batch)
		if mlv1alpha1.IsMetricSeriesCapError(err) {
			f.serverCapped = true
			f.capReached("the server's cap", batch[len(batch)-1].Name)
			batch, err = f.storedOnly(batch), nil
			if len(batch) > 0 {
				err = f.api.Append(ctx, f.namespace, f.job, batch)
			}
		}
		if err != nil {
			klog.FromContext(ctx).V(2).Info("Cannot append metric points", "points", n, "err", err)
		} else {
			for _, s := range batch {
				f.stored[s.Name] = true
			}
		}
		batch, n = nil, 0
	}
	for name, points := range f.pending {
		for len(points) > 0 {
			take := min(len(points), mlv1alpha1.MaxMetricPointsPerRequest-n)
			batch = append(batch, mlv1alpha1.MetricSeries{Name: name, Points: points[:take]})
			points, n = points[take:], n+take
			if n == mlv1alpha1.MaxMetricPointsPerRequest || len(batch) == mlv1alpha1.MaxMetricSeriesPerRequest {
				send()
			}
		}
	}
	send()
	f.pending = map[string][]mlv1alpha1.MetricPoint{}
	f.count, f.newSeries = 0, 0
}
