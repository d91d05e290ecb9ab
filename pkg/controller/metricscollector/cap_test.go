package metricscollector

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/klog/v2/ktesting"
	clocktesting "k8s.io/utils/clock/testing"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// cappedAPI stores series like the server: it refuses, with the server's
// 422, a batch that would create series past serverCap.
type cappedAPI struct {
	mu        sync.Mutex
	serverCap int
	points    map[string]int
	refused   int
}

func (a *cappedAPI) Append(_ context.Context, _, job string, series []mlv1alpha1.MetricSeries) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	added := 0
	for _, s := range series {
		if _, ok := a.points[s.Name]; !ok {
			added++
		}
	}
	if len(a.points)+added > a.serverCap {
		a.refused++
		return apierrors.NewInvalid(mlv1alpha1.Kind("Metrics"), job, field.ErrorList{field.Forbidden(field.NewPath("series"),
			fmt.Sprintf("the object has %d metric series, at most %d are allowed (--%s)", len(a.points), a.serverCap, mlv1alpha1.FlagMetricsMaxSeriesPerObject))})
	}
	for _, s := range series {
		a.points[s.Name] += len(s.Points)
	}
	return nil
}

func (a *cappedAPI) LastSteps(context.Context, string, string) (map[string]int64, types.UID, error) {
	return nil, "", nil
}

// manyPairs is a log line of n pairs m<from>=1 ... m<from+n-1>=1.
func manyPairs(from, n int) string {
	var b strings.Builder
	for i := from; i < from+n; i++ {
		fmt.Fprintf(&b, "m%d=1 ", i)
	}
	return b.String()
}

// TestFollowerStopsAtSeriesCap: a log line with 20,000 pairs makes no more
// series than the cap, the stored series keep getting points, and a lower
// cap of the server is learnt from its 422 without losing the points of
// the series it has.
func TestFollowerStopsAtSeriesCap(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		collectorCap, serverCap int
		wantSeries              int
	}{
		{name: "collector cap", collectorCap: 50, serverCap: 1 << 30, wantSeries: 50},
		{name: "server cap", collectorCap: 1000, serverCap: 40, wantSeries: mlv1alpha1.MaxMetricSeriesPerRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logger, ctx := ktesting.NewTestContext(t)
			api := &cappedAPI{serverCap: tc.serverCap, points: map[string]int{}}
			parser, err := NewParser("")
			if err != nil {
				t.Fatal(err)
			}
			f := &follower{namespace: "ns", job: "job", pod: "job-0", parser: parser, api: api,
				clock: clocktesting.NewFakePassiveClock(time.Now()), maxSeries: tc.collectorCap}
			f.start(logger, nil)
			f.line(manyPairs(0, 20000))
			f.flush(ctx)

			api.mu.Lock()
			var stored []string
			for name := range api.points {
				stored = append(stored, name)
			}
			api.mu.Unlock()
			if len(stored) != tc.wantSeries {
				t.Fatalf("%d series stored from a line of 20,000 pairs, want %d (caps: collector %d, server %d)",
					len(stored), tc.wantSeries, tc.collectorCap, tc.serverCap)
			}
			// Later lines: points of two stored series, and more new names.
			for i := range 3 {
				f.line(fmt.Sprintf("%s=2 %s=3 %s", stored[0], stored[1], manyPairs(30000+i*100, 100)))
				f.flush(ctx)
			}
			api.mu.Lock()
			defer api.mu.Unlock()
			if len(api.points) != len(stored) {
				t.Errorf("%d series after more new names, want still %d", len(api.points), len(stored))
			}
			for _, name := range stored[:2] {
				if api.points[name] != 4 {
					t.Errorf("series %s has %d points, want 4: stored series must keep getting points", name, api.points[name])
				}
			}
			if api.refused > 1 {
				t.Errorf("the server refused %d batches: once the cap is known, new series must not be sent", api.refused)
			}
		})
	}
}
