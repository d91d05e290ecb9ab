package metrics

import (
	"math"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

func TestValidateMetrics(t *testing.T) {
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	ok := ml.MetricSeries{Name: "loss", Points: []ml.MetricPoint{{Step: 1, Value: 0.5}}}
	for _, tc := range []struct {
		name   string
		series []ml.MetricSeries
		tasks  bool
		want   string // a field path in the errors; "" for valid
	}{
		{"valid", []ml.MetricSeries{ok, {Name: "train/val_acc", Points: []ml.MetricPoint{{Step: 2, Value: -1, Time: metav1.NewMicroTime(now)}}}}, false, ""},
		{"valid task", []ml.MetricSeries{{Task: "train", Name: "loss", Points: ok.Points}}, true, ""},
		{"no series", nil, false, "series"},
		{"bad name", []ml.MetricSeries{{Name: "bad name", Points: ok.Points}}, false, "series[0].name"},
		{"NaN", []ml.MetricSeries{{Name: "loss", Points: []ml.MetricPoint{{Value: math.NaN()}}}}, false, "series[0].points[0].value"},
		{"Inf", []ml.MetricSeries{{Name: "loss", Points: []ml.MetricPoint{{Value: math.Inf(-1)}}}}, false, "series[0].points[0].value"},
		{"step", []ml.MetricSeries{{Name: "loss", Points: []ml.MetricPoint{{Step: -1}}}}, false, "series[0].points[0].step"},
		{"old time", []ml.MetricSeries{{Name: "loss", Points: []ml.MetricPoint{{Time: metav1.NewMicroTime(time.Unix(10, 0))}}}}, false, "series[0].points[0].time"},
		{"task missing", []ml.MetricSeries{ok}, true, "series[0].task"},
		{"task invalid", []ml.MetricSeries{{Task: "Train!", Name: "loss", Points: ok.Points}}, true, "series[0].task"},
		{"task of a nested pipeline", []ml.MetricSeries{{Task: "train-a.fit", Name: "loss", Points: ok.Points}}, true, ""},
		{"task with an empty segment", []ml.MetricSeries{{Task: "train-a.", Name: "loss", Points: ok.Points}}, true, "series[0].task"},
		{"task forbidden", []ml.MetricSeries{{Task: "train", Name: "loss", Points: ok.Points}}, false, "series[0].task"},
		{"too many series", make([]ml.MetricSeries, MaxSeriesPerRequest+1), false, "series: Too many"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := ValidateMetrics(&ml.Metrics{Series: tc.series}, tc.tasks, now)
			if tc.want == "" {
				if len(errs) != 0 {
					t.Errorf("unexpected errors: %v", errs)
				}
				return
			}
			if !strings.Contains(errs.ToAggregate().Error(), tc.want) {
				t.Errorf("errors %v do not name %s", errs, tc.want)
			}
		})
	}
}
