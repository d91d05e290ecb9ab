// Package metrics tests the metrics subresources of TrainingJobs,
// PipelineRuns and Models on an in-process server: POST and GET through
// the API, option decoding, downsampling, validation that stores nothing,
// status.latestMetrics and the deletion of series with their owner.
package metrics

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"testing"

	"k8s.io/client-go/rest"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// server is shared by the tests that need no server of their own.
var server *framework.TestServer

// TestMain starts the shared server with only the latestmetrics
// controller, which writes status.latestMetrics (TestLatestMetrics); the
// tests drive everything else themselves.
func TestMain(m *testing.M) {
	framework.MainWith(m, &server, func(o *options.Options) {
		o.Controllers.Controllers = []string{controller.LatestMetricsController}
	})
}

// client is a REST client of the group on s.
func client(t *testing.T, s *framework.TestServer) rest.Interface {
	t.Helper()
	return s.Clientset().MlV1alpha1().RESTClient()
}

// post sends body to .../<resource>/<name>/metrics and returns the status
// code and the error of the response.
func post(ctx context.Context, c rest.Interface, resource, ns, name string, body any) (int, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return 0, err
	}
	var code int
	err = c.Post().Namespace(ns).Resource(resource).Name(name).SubResource("metrics").
		SetHeader("Content-Type", "application/json").Body(raw).Do(ctx).StatusCode(&code).Error()
	return code, err
}

// get reads .../<resource>/<name>/metrics with query parameters.
func get(ctx context.Context, c rest.Interface, resource, ns, name string, params map[string]string) (*mlv1alpha1.Metrics, int, error) {
	req := c.Get().Namespace(ns).Resource(resource).Name(name).SubResource("metrics")
	for k, v := range params {
		req = req.Param(k, v)
	}
	var code int
	res := req.Do(ctx).StatusCode(&code)
	if err := res.Error(); err != nil {
		return nil, code, err
	}
	raw, err := res.Raw()
	if err != nil {
		return nil, code, err
	}
	m := &mlv1alpha1.Metrics{}
	if err := json.Unmarshal(raw, m); err != nil {
		return nil, code, fmt.Errorf("decode %s: %w", raw, err)
	}
	return m, code, nil
}

// mustGet is get that fails the test on error.
func mustGet(t *testing.T, c rest.Interface, resource, ns, name string, params map[string]string) *mlv1alpha1.Metrics {
	t.Helper()
	m, _, err := get(t.Context(), c, resource, ns, name, params)
	if err != nil {
		t.Fatalf("GET %s/%s/metrics %v: %v", resource, name, params, err)
	}
	return m
}

// mustPost is post that fails the test on error.
func mustPost(t *testing.T, c rest.Interface, resource, ns, name string, body any) {
	t.Helper()
	if code, err := post(t.Context(), c, resource, ns, name, body); err != nil {
		t.Fatalf("POST %s/%s/metrics: %d %v", resource, name, code, err)
	}
}

// series is a POST body of one series.
func series(task, name string, points ...mlv1alpha1.MetricPoint) map[string]any {
	return map[string]any{"series": []mlv1alpha1.MetricSeries{{Task: task, Name: name, Points: points}}}
}

// wave returns n points whose values follow a sine with one spike down
// and one spike up, so that downsampling has extremes to keep.
func wave(n int) []mlv1alpha1.MetricPoint {
	ps := make([]mlv1alpha1.MetricPoint, n)
	for i := range ps {
		v := math.Sin(float64(i) / 50)
		switch i {
		case n / 3:
			v = -100
		case 2 * n / 3:
			v = 100
		}
		ps[i] = mlv1alpha1.MetricPoint{Step: int64(i), Value: v}
	}
	return ps
}
