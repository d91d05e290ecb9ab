package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
)

// Targets of the metrics subresource.
const (
	// ingestTarget is points per second appended through one server.
	ingestTarget = 50000
	// downsampleTarget is the time of a GET of a 100,000-point series
	// downsampled to 1,000 points.
	downsampleTarget = 100 * time.Millisecond

	metricsBatch   = 1000 // points per POST
	metricsWriters = 8    // concurrent writers, one job each
	seriesPoints   = 100000
	downsampleTo   = 1000
)

// metricsClient posts and gets the metrics of jobs over HTTPS with JSON.
type metricsClient struct {
	http *http.Client
	host string
	ns   string
}

func newMetricsClient(b *testing.B, cfg *rest.Config, ns string, jobs ...string) *metricsClient {
	b.Helper()
	cs, err := mlclientset.NewForConfig(cfg)
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range jobs {
		job := &mlv1alpha1.TrainingJob{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: mlv1alpha1.TrainingJobSpec{
				ContainerSpec: mlv1alpha1.ContainerSpec{Image: "trainer:latest", Command: []string{"python", "train.py"}},
				Metrics:       &mlv1alpha1.MetricsSpec{Collector: mlv1alpha1.MetricsCollectorPush},
			},
		}
		if _, err := cs.MlV1alpha1().TrainingJobs(ns).Create(context.Background(), job, metav1.CreateOptions{}); err != nil {
			b.Fatalf("create job %s: %v", name, err)
		}
	}
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return &metricsClient{http: hc, host: cfg.Host, ns: ns}
}

func (c *metricsClient) url(job string) string {
	return fmt.Sprintf("%s/apis/ml.example.io/v1alpha1/namespaces/%s/trainingjobs/%s/metrics", c.host, c.ns, job)
}

func (c *metricsClient) post(job string, body []byte) error {
	resp, err := c.http.Post(c.url(job), "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusCreated {
		msg, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("POST %s: %s: %s", job, resp.Status, msg)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return nil
}

func (c *metricsClient) get(job, query string) (*mlv1alpha1.Metrics, error) {
	resp, err := c.http.Get(c.url(job) + "?" + query)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", job, resp.Status, body)
	}
	m := &mlv1alpha1.Metrics{}
	return m, json.Unmarshal(body, m)
}

// batchBody is a POST body of n points of loss from step from on, as a
// training loop reporting every step would batch them.
func batchBody(from, n int) []byte {
	points := make([]mlv1alpha1.MetricPoint, n)
	for i := range points {
		s := from + i
		points[i] = mlv1alpha1.MetricPoint{Step: int64(s), Value: 2*math.Exp(-float64(s)/20000) + 0.05*math.Sin(float64(s))}
	}
	body, err := json.Marshal(mlv1alpha1.Metrics{Series: []mlv1alpha1.MetricSeries{{Name: "loss", Points: points}}})
	if err != nil {
		panic(err)
	}
	return body
}

// BenchmarkMetricsIngest appends points through the API: metricsWriters
// clients, one job each, POST batches of metricsBatch points. One
// iteration is one batch. It reports points/s and its ratio to the target
// of 50,000 points/s per server.
func BenchmarkMetricsIngest(b *testing.B) {
	s := startServer(b)
	jobs := make([]string, metricsWriters)
	for i := range jobs {
		jobs[i] = fmt.Sprintf("ingest-%d", i)
	}
	c := newMetricsClient(b, s.config, "bench-metrics", jobs...)
	bodies := make([][]byte, 10)
	for i := range bodies {
		bodies[i] = batchBody(i*metricsBatch, metricsBatch)
	}
	for _, job := range jobs {
		if err := c.post(job, bodies[0]); err != nil {
			b.Fatal(err)
		}
	}

	var (
		mu   sync.Mutex
		errs []error
		next = make(chan int)
		wg   sync.WaitGroup
	)
	b.ResetTimer()
	start, cpuStart := time.Now(), processCPU()
	for w := range metricsWriters {
		wg.Go(func() {
			for i := range next {
				if err := c.post(jobs[w], bodies[i%len(bodies)]); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	for i := 0; i < b.N; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	elapsed, cpu := time.Since(start), processCPU()-cpuStart
	b.StopTimer()
	if len(errs) > 0 {
		b.Fatalf("%d POSTs failed, first: %v", len(errs), errs[0])
	}
	points := float64(b.N * metricsBatch)
	rate := points / elapsed.Seconds()
	b.ReportMetric(rate, "points/s")
	b.ReportMetric(rate/ingestTarget, "x-target")
	// CPU per point (clients, server and etcd of the process together)
	// hardly depends on what else runs on the machine, unlike the rate.
	cpuPerPoint := cpu.Seconds() / points
	b.ReportMetric(cpuPerPoint*1e6, "cpu-us/point")
	fmt.Printf("\nmetrics ingestion: %d writers, %d points a POST: %.0f points/s (target %d: %.2fx); %.1f µs CPU a point (%.0f points per CPU second)\n",
		metricsWriters, metricsBatch, rate, ingestTarget, rate/ingestTarget, cpuPerPoint*1e6, 1/cpuPerPoint)
}

// BenchmarkMetricsDownsample reads a 100,000-point series downsampled to
// 1,000 points; one iteration is one GET. It reports ms per GET and its
// ratio to the 100 ms target (below 1 is better), next to a GET of the
// whole series.
func BenchmarkMetricsDownsample(b *testing.B) {
	s := startServer(b)
	c := newMetricsClient(b, s.config, "bench-metrics", "series")
	for from := 0; from < seriesPoints; from += 10000 {
		if err := c.post("series", batchBody(from, 10000)); err != nil {
			b.Fatal(err)
		}
	}
	full, err := c.get("series", "maxPoints=0")
	if err != nil {
		b.Fatal(err)
	}
	if n := len(full.Series[0].Points); n != seriesPoints {
		b.Fatalf("the series has %d points, want %d", n, seriesPoints)
	}
	fullStart := time.Now()
	const fullGets = 5
	for range fullGets {
		if _, err := c.get("series", "maxPoints=0"); err != nil {
			b.Fatal(err)
		}
	}
	fullTime := time.Since(fullStart) / fullGets

	query := fmt.Sprintf("maxPoints=%d", downsampleTo)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		m, err := c.get("series", query)
		if err != nil {
			b.Fatal(err)
		}
		if n := len(m.Series[0].Points); n > downsampleTo {
			b.Fatalf("maxPoints=%d returned %d points", downsampleTo, n)
		}
	}
	per := time.Since(start) / time.Duration(b.N)
	b.StopTimer()
	b.ReportMetric(float64(per.Microseconds())/1000, "ms/get")
	b.ReportMetric(float64(per)/float64(downsampleTarget), "x-target")
	fmt.Printf("\nmetrics GET of %d points downsampled to %d: %v (target %v: %.2fx); the whole series: %v\n",
		seriesPoints, downsampleTo, per.Round(time.Microsecond), downsampleTarget, float64(per)/float64(downsampleTarget), fullTime.Round(time.Microsecond))
}
