package metrics

import (
	"net/http"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// manySeries is a POST body of n series named <prefix>0 ... of one point.
func manySeries(prefix string, n int) map[string]any {
	var s []mlv1alpha1.MetricSeries
	for i := range n {
		s = append(s, mlv1alpha1.MetricSeries{Name: prefix + string(rune('a'+i)), Points: []mlv1alpha1.MetricPoint{{Step: 1, Value: 1}}})
	}
	return map[string]any{"series": s}
}

// expectRefusal checks a POST's code and that its message names the flag.
func expectRefusal(t *testing.T, what string, code int, err error, wantCode int, flag string) {
	t.Helper()
	if code != wantCode || err == nil || !strings.Contains(err.Error(), flag) {
		t.Errorf("%s: %d %v, want %d naming %s", what, code, err, wantCode, flag)
	}
}

// TestPerObjectCaps: new series past an object's series cap are 422, bytes
// past its byte cap 429, each naming the flag; nothing of a refused POST
// is stored, and points of the existing series are still taken.
func TestPerObjectCaps(t *testing.T) {
	s := framework.StartTestServerWith(t, func(o *options.Options) {
		o.DataLimits.MetricsMaxSeriesPerObject = 3
		o.DataLimits.MetricsMaxBytesPerObject = 300 << 10
	})
	c := client(t, s)
	jobs := s.Clientset().MlV1alpha1().TrainingJobs("caps")
	for _, name := range []string{"series", "bytes"} {
		if _, err := jobs.Create(t.Context(), mltesting.NewTrainingJob(name, "caps").Obj(), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	mustPost(t, c, "trainingjobs", "caps", "series", manySeries("s", 2))
	code, err := post(t.Context(), c, "trainingjobs", "caps", "series", manySeries("s", 4))
	expectRefusal(t, "POST of 2 more series past a cap of 3", code, err, http.StatusUnprocessableEntity, "--metrics-max-series-per-object")
	if m := mustGet(t, c, "trainingjobs", "caps", "series", nil); len(m.Series) != 2 || m.Series[0].Count != 1 {
		t.Errorf("after the refused POST: %d series, the first with %d points; want 2 series of 1 point", len(m.Series), m.Series[0].Count)
	}
	mustPost(t, c, "trainingjobs", "caps", "series", manySeries("s", 3))

	var last int
	for from := 0; from < 2_000_000; from += 10000 {
		code, err = post(t.Context(), c, "trainingjobs", "caps", "bytes", series("", "loss", wave10k(from)...))
		if err != nil {
			break
		}
		last = from + 10000
	}
	expectRefusal(t, "POST past the object's byte cap", code, err, http.StatusTooManyRequests, "--metrics-max-bytes-per-object")
	if m := mustGet(t, c, "trainingjobs", "caps", "bytes", nil); m.Series[0].Count != int64(last) {
		t.Errorf("%d points stored, want %d", m.Series[0].Count, last)
	}
}

// wave10k is 10,000 points from step from on.
func wave10k(from int) []mlv1alpha1.MetricPoint {
	ps := wave(10000)
	for i := range ps {
		ps[i].Step += int64(from)
	}
	return ps
}

// TestDataBudget: once logs and metrics fill their budget, metric writes
// of every object get 429 naming --ml-data-max-bytes while objects are
// still created; the count survives a restart; deleting the object that
// filled it gives the room back.
func TestDataBudget(t *testing.T) {
	s := framework.StartTestServerWith(t, func(o *options.Options) {
		o.DataLimits.MaxBytes = 1 << 20
	})
	c := client(t, s)
	jobs := s.Clientset().MlV1alpha1().TrainingJobs("budget")
	if _, err := jobs.Create(t.Context(), mltesting.NewTrainingJob("runaway", "budget").Obj(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var code int
	var err error
	for from := 0; from < 2_000_000; from += 10000 {
		if code, err = post(t.Context(), c, "trainingjobs", "budget", "runaway", series("", "loss", wave10k(from)...)); err != nil {
			break
		}
	}
	expectRefusal(t, "POST into a full budget", code, err, http.StatusTooManyRequests, "--ml-data-max-bytes")

	// Objects are still written; their metrics are not.
	if _, err := jobs.Create(t.Context(), mltesting.NewTrainingJob("other", "budget").Obj(), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create with a full metrics budget: %v", err)
	}
	code, err = post(t.Context(), c, "trainingjobs", "budget", "other", series("", "loss", wave10k(0)...))
	expectRefusal(t, "another object's POST into a full budget", code, err, http.StatusTooManyRequests, "--ml-data-max-bytes")

	s.Restart()
	c = client(t, s)
	jobs = s.Clientset().MlV1alpha1().TrainingJobs("budget")
	code, err = post(t.Context(), c, "trainingjobs", "budget", "other", series("", "loss", wave10k(0)...))
	expectRefusal(t, "POST into a full budget after a restart", code, err, http.StatusTooManyRequests, "--ml-data-max-bytes")

	if err := jobs.Delete(t.Context(), "runaway", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	mustPost(t, c, "trainingjobs", "budget", "other", series("", "loss", wave10k(0)...))
}

// TestDefaultGetIsBounded: a GET without maxPoints of a 200,000-point
// series returns the server's default number of points, marked
// downsampled, with the summary of the whole series; maxPoints=0 streams
// every point.
func TestDefaultGetIsBounded(t *testing.T) {
	ns := framework.NewNamespace(t)
	c := client(t, server)
	createJob(t, ns, "long")
	const total = 200_000
	for from := 0; from < total; from += 10000 {
		mustPost(t, c, "trainingjobs", ns, "long", series("", "loss", wave10k(from)...))
	}
	m := mustGet(t, c, "trainingjobs", ns, "long", nil)
	s := m.Series[0]
	if len(s.Points) > 1000 || len(s.Points) < 500 || !s.Downsampled || s.Count != total {
		t.Errorf("without maxPoints: %d points, downsampled %v, count %d; want at most 1000, downsampled, count %d",
			len(s.Points), s.Downsampled, s.Count, total)
	}
	if m.Metadata.Name != "long" || m.Kind != "Metrics" {
		t.Errorf("answer names %q kind %q", m.Metadata.Name, m.Kind)
	}
	full := mustGet(t, c, "trainingjobs", ns, "long", map[string]string{"maxPoints": "0"})
	if n := len(full.Series[0].Points); n != total || full.Series[0].Downsampled {
		t.Errorf("maxPoints=0: %d points (downsampled %v), want all %d", n, full.Series[0].Downsampled, total)
	}
	for i, p := range full.Series[0].Points {
		if p.Step != int64(i) {
			t.Fatalf("maxPoints=0: point %d has step %d", i, p.Step)
		}
	}
	if small := mustGet(t, c, "trainingjobs", ns, "long", map[string]string{"maxPoints": "10"}); len(small.Series[0].Points) > 10 {
		t.Errorf("maxPoints=10: %d points", len(small.Series[0].Points))
	}
}
