package metrics

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

func createJob(t *testing.T, ns, name string) *mlv1alpha1.TrainingJob {
	t.Helper()
	job, err := server.Clientset().MlV1alpha1().TrainingJobs(ns).Create(t.Context(), mltesting.NewTrainingJob(name, ns).Obj(), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return job
}

// TestPostGet: posted points come back in step order with their summary;
// times default to the server's time; names and sinceStep select.
func TestPostGet(t *testing.T) {
	ns := framework.NewNamespace(t)
	c := client(t, server)
	job := createJob(t, ns, "train")
	t0 := metav1.NewMicroTime(time.Date(2026, 11, 27, 8, 0, 0, 123456000, time.UTC))
	before := time.Now().Add(-time.Second)

	mustPost(t, c, "trainingjobs", ns, "train", map[string]any{"series": []mlv1alpha1.MetricSeries{
		{Name: "loss", Points: []mlv1alpha1.MetricPoint{{Step: 1, Value: 0.9, Time: t0}, {Step: 2, Value: 0.5, Time: t0}}},
		{Name: "accuracy", Points: []mlv1alpha1.MetricPoint{{Step: 1, Value: 0.6}}},
	}})
	// Out of order: a second replica reporting an earlier step.
	mustPost(t, c, "trainingjobs", ns, "train", series("", "loss", mlv1alpha1.MetricPoint{Step: 0, Value: 1.2, Time: t0}, mlv1alpha1.MetricPoint{Step: 3, Value: 0.3, Time: t0}))

	m := mustGet(t, c, "trainingjobs", ns, "train", nil)
	if md := m.Metadata; md.Name != "train" || md.Namespace != ns || md.UID != job.UID || m.Kind != "Metrics" {
		t.Errorf("metadata %s/%s uid %s kind %q, want %s/train uid %s kind Metrics", md.Namespace, md.Name, md.UID, m.Kind, ns, job.UID)
	}
	if len(m.Series) != 2 || m.Series[0].Name != "accuracy" || m.Series[1].Name != "loss" {
		t.Fatalf("series %+v, want accuracy and loss", m.Series)
	}
	acc := m.Series[0].Points[0]
	if acc.Time.Time.Before(before) || acc.Time.Time.After(time.Now().Add(time.Second)) {
		t.Errorf("accuracy point time %v, want the server's time of the POST", acc.Time)
	}
	loss := m.Series[1]
	want := []mlv1alpha1.MetricPoint{{Step: 0, Value: 1.2, Time: t0}, {Step: 1, Value: 0.9, Time: t0}, {Step: 2, Value: 0.5, Time: t0}, {Step: 3, Value: 0.3, Time: t0}}
	if diff := cmp.Diff(want, loss.Points); diff != "" {
		t.Errorf("loss points (-want +got):\n%s", diff)
	}
	if loss.Count != 4 || loss.Last == nil || loss.Last.Step != 3 || loss.Min.Value != 0.3 || loss.Max.Value != 1.2 {
		t.Errorf("loss summary count=%d last=%+v min=%+v max=%+v", loss.Count, loss.Last, loss.Min, loss.Max)
	}

	m = mustGet(t, c, "trainingjobs", ns, "train", map[string]string{"names": "loss", "sinceStep": "2"})
	if len(m.Series) != 1 || m.Series[0].Name != "loss" || len(m.Series[0].Points) != 2 || m.Series[0].Points[0].Step != 2 {
		t.Errorf("names=loss&sinceStep=2 gave %+v", m.Series)
	}
	// names=a,b as the kubectl plugin sends them.
	if m := mustGet(t, c, "trainingjobs", ns, "train", map[string]string{"names": "loss,accuracy"}); len(m.Series) != 2 {
		t.Errorf("names=loss,accuracy gave %d series", len(m.Series))
	}

	if _, code, err := get(t.Context(), c, "trainingjobs", ns, "missing", nil); code != http.StatusNotFound {
		t.Errorf("metrics of a missing job: %d %v, want 404", code, err)
	}
	if code, err := post(t.Context(), c, "trainingjobs", ns, "missing", series("", "loss", mlv1alpha1.MetricPoint{Value: 1})); code != http.StatusNotFound {
		t.Errorf("POST to a missing job: %d %v, want 404", code, err)
	}
}

// TestPipelineRunTasksAndModels: PipelineRun series belong to tasks, the
// task option selects one; Models take series like TrainingJobs.
func TestPipelineRunTasksAndModels(t *testing.T) {
	ns := framework.NewNamespace(t)
	c := client(t, server)
	cs := server.Clientset().MlV1alpha1()
	if _, err := cs.PipelineRuns(ns).Create(t.Context(), mltesting.NewPipelineRun("run", ns).Obj(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Models(ns).Create(t.Context(), mltesting.NewModel("mdl", ns).Obj(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	mustPost(t, c, "pipelineruns", ns, "run", series("train", "loss", mlv1alpha1.MetricPoint{Step: 1, Value: 0.4}))
	mustPost(t, c, "pipelineruns", ns, "run", series("evaluate", "loss", mlv1alpha1.MetricPoint{Step: 1, Value: 0.5}))
	m := mustGet(t, c, "pipelineruns", ns, "run", nil)
	if len(m.Series) != 2 || m.Series[0].Task != "evaluate" || m.Series[1].Task != "train" {
		t.Errorf("series of the run: %+v", m.Series)
	}
	m = mustGet(t, c, "pipelineruns", ns, "run", map[string]string{"task": "train"})
	if len(m.Series) != 1 || m.Series[0].Task != "train" || m.Series[0].Points[0].Value != 0.4 {
		t.Errorf("task=train: %+v", m.Series)
	}

	mustPost(t, c, "models", ns, "mdl", series("", "latency_ms", mlv1alpha1.MetricPoint{Step: 7, Value: 12.5}))
	if m := mustGet(t, c, "models", ns, "mdl", nil); len(m.Series) != 1 || m.Series[0].Last.Value != 12.5 {
		t.Errorf("model series: %+v", m.Series)
	}
}

// TestDownsamplingKeepsShape: 20,000 points with two spikes, asked for 100,
// come back as at most 100 points holding the first, last, minimum and
// maximum, in step order.
func TestDownsamplingKeepsShape(t *testing.T) {
	ns := framework.NewNamespace(t)
	c := client(t, server)
	createJob(t, ns, "train")
	all := wave(20000)
	for i := 0; i < len(all); i += 5000 {
		mustPost(t, c, "trainingjobs", ns, "train", series("", "loss", all[i:i+5000]...))
	}
	full := mustGet(t, c, "trainingjobs", ns, "train", map[string]string{"maxPoints": "0"})
	if n := len(full.Series[0].Points); n != len(all) || full.Series[0].Downsampled {
		t.Fatalf("maxPoints=0: %d points (downsampled %v), want %d", n, full.Series[0].Downsampled, len(all))
	}
	m := mustGet(t, c, "trainingjobs", ns, "train", map[string]string{"maxPoints": "100"})
	s := m.Series[0]
	if len(s.Points) > 100 || len(s.Points) < 50 {
		t.Fatalf("maxPoints=100 gave %d points", len(s.Points))
	}
	if s.Count != int64(len(all)) {
		t.Errorf("count %d, want %d (points stored, not returned)", s.Count, len(all))
	}
	steps := map[int64]float64{}
	for i, p := range s.Points {
		steps[p.Step] = p.Value
		if i > 0 && p.Step <= s.Points[i-1].Step {
			t.Errorf("points out of step order at %d: %d after %d", i, p.Step, s.Points[i-1].Step)
		}
	}
	for _, want := range []struct {
		what  string
		step  int64
		value float64
	}{
		{"first", 0, all[0].Value},
		{"last", int64(len(all) - 1), all[len(all)-1].Value},
		{"minimum", int64(len(all) / 3), -100},
		{"maximum", int64(2 * len(all) / 3), 100},
	} {
		if v, ok := steps[want.step]; !ok || v != want.value {
			t.Errorf("the %s point (step %d, %v) is missing from the downsampled series", want.what, want.step, want.value)
		}
	}
	if s.Min.Value != -100 || s.Max.Value != 100 {
		t.Errorf("summary min %v max %v, want -100 and 100", s.Min.Value, s.Max.Value)
	}
}

// TestBadOptions: invalid query parameters are 400 naming the parameter.
func TestBadOptions(t *testing.T) {
	ns := framework.NewNamespace(t)
	c := client(t, server)
	createJob(t, ns, "train")
	for _, tc := range []struct {
		params map[string]string
		field  string
	}{
		{map[string]string{"maxPoints": "2"}, "maxPoints"},
		{map[string]string{"maxPoints": "1000001"}, "maxPoints"},
		{map[string]string{"sinceStep": "-1"}, "sinceStep"},
		{map[string]string{"names": "-bad"}, "names[0]"},
		{map[string]string{"task": "train"}, "task"},
		{map[string]string{"maxPoints": "many"}, "maxPoints"},
	} {
		_, code, err := get(t.Context(), c, "trainingjobs", ns, "train", tc.params)
		if code != http.StatusBadRequest || err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("GET with %v: %d %v, want 400 naming %s", tc.params, code, err, tc.field)
		}
	}
}

// TestRejectedPointsStoreNothing: a body with one bad point among good
// ones is refused whole, with the field of the bad point, and nothing of
// it is stored.
func TestRejectedPointsStoreNothing(t *testing.T) {
	ns := framework.NewNamespace(t)
	c := client(t, server)
	createJob(t, ns, "train")
	if _, err := server.Clientset().MlV1alpha1().PipelineRuns(ns).Create(t.Context(), mltesting.NewPipelineRun("run", ns).Obj(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	good := mlv1alpha1.MetricSeries{Name: "good", Points: []mlv1alpha1.MetricPoint{{Step: 1, Value: 1}}}
	future := metav1.NewMicroTime(time.Now().Add(72 * time.Hour))
	tooMany := make([]mlv1alpha1.MetricPoint, 10001)
	for _, tc := range []struct {
		name     string
		resource string
		body     any
		code     int
		field    string
	}{
		{"name not label-like", "trainingjobs", map[string]any{"series": []mlv1alpha1.MetricSeries{good, {Name: "bad name!", Points: []mlv1alpha1.MetricPoint{{Value: 1}}}}}, 422, "series[1].name"},
		{"negative step", "trainingjobs", map[string]any{"series": []mlv1alpha1.MetricSeries{good, {Name: "loss", Points: []mlv1alpha1.MetricPoint{{Step: 1, Value: 1}, {Step: -5, Value: 1}}}}}, 422, "series[1].points[1].step"},
		{"time far in the future", "trainingjobs", map[string]any{"series": []mlv1alpha1.MetricSeries{good, {Name: "loss", Points: []mlv1alpha1.MetricPoint{{Value: 1, Time: future}}}}}, 422, "series[1].points[0].time"},
		{"too many points", "trainingjobs", map[string]any{"series": []mlv1alpha1.MetricSeries{good, {Name: "loss", Points: tooMany}}}, 422, "series.points"},
		{"no points", "trainingjobs", map[string]any{"series": []mlv1alpha1.MetricSeries{good, {Name: "loss"}}}, 422, "series[1].points"},
		{"task on a TrainingJob", "trainingjobs", map[string]any{"series": []mlv1alpha1.MetricSeries{good, {Name: "loss", Task: "x", Points: []mlv1alpha1.MetricPoint{{Value: 1}}}}}, 422, "series[1].task"},
		{"no task on a PipelineRun", "pipelineruns", map[string]any{"series": []mlv1alpha1.MetricSeries{{Name: "loss", Task: "train", Points: []mlv1alpha1.MetricPoint{{Value: 1}}}, {Name: "loss", Points: []mlv1alpha1.MetricPoint{{Value: 1}}}}}, 422, "series[1].task"},
		{"value not a number", "trainingjobs", `{"series":[{"name":"good","points":[{"step":1,"value":1}]},{"name":"loss","points":[{"value":"NaN"}]}]}`, 400, "value"},
		{"value out of range", "trainingjobs", `{"series":[{"name":"good","points":[{"step":1,"value":1}]},{"name":"loss","points":[{"value":1e999}]}]}`, 400, "1e999"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "train"
			if tc.resource == "pipelineruns" {
				name = "run"
			}
			code, err := postAny(t.Context(), c, tc.resource, ns, name, tc.body)
			if code != tc.code || err == nil || !strings.Contains(err.Error(), tc.field) {
				t.Errorf("POST: %d %v, want %d naming %s", code, err, tc.code, tc.field)
			}
			if m := mustGet(t, c, tc.resource, ns, name, nil); len(m.Series) != 0 {
				t.Errorf("a refused POST stored %+v", m.Series)
			}
		})
	}
}

// postAny posts a raw JSON string as is, anything else as JSON.
func postAny(ctx context.Context, c rest.Interface, resource, ns, name string, body any) (int, error) {
	if raw, ok := body.(string); ok {
		var code int
		err := c.Post().Namespace(ns).Resource(resource).Name(name).SubResource("metrics").
			SetHeader("Content-Type", "application/json").Body([]byte(raw)).Do(ctx).StatusCode(&code).Error()
		return code, err
	}
	return post(ctx, c, resource, ns, name, body)
}

// TestLatestMetrics: status.latestMetrics follows the series' last values,
// written by the server a few seconds after the points.
func TestLatestMetrics(t *testing.T) {
	ns := framework.NewNamespace(t)
	c := client(t, server)
	createJob(t, ns, "train")
	for step := range 20 {
		mustPost(t, c, "trainingjobs", ns, "train", series("", "loss", mlv1alpha1.MetricPoint{Step: int64(step), Value: 1 / float64(step+1)}))
	}
	want := []mlv1alpha1.MetricValue{{Name: "loss", Step: 19, Value: 1.0 / 20}}
	var got []mlv1alpha1.MetricValue
	err := wait.PollUntilContextTimeout(t.Context(), 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		job, err := server.Clientset().MlV1alpha1().TrainingJobs(ns).Get(ctx, "train", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		got = job.Status.LatestMetrics
		return cmp.Equal(want, got), nil
	})
	if err != nil {
		t.Errorf("status.latestMetrics %+v, want %+v: %v", got, want, err)
	}
}
