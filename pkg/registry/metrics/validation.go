package metrics

import (
	"fmt"
	"math"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlvalidation "ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

const (
	// MaxPointsPerRequest bounds the points of one POST.
	MaxPointsPerRequest = mlv1alpha1.MaxMetricPointsPerRequest
	// MaxSeriesPerRequest bounds the series of one POST.
	MaxSeriesPerRequest = mlv1alpha1.MaxMetricSeriesPerRequest
	// MaxStep is the highest step: 2^53, the largest integer a JSON number
	// in every client keeps exactly.
	MaxStep = 1 << 53
	// futureSkew is how far in the future a point's time may be.
	futureSkew = 24 * time.Hour
)

// minTime is the earliest time a point may carry.
var minTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// ValidateMetrics checks the body of a POST: label-like names, a task
// exactly when the kind has tasks, finite values, sane steps and times,
// and the per-request bounds. now is the server's time.
func ValidateMetrics(m *ml.Metrics, withTasks bool, now time.Time) field.ErrorList {
	var allErrs field.ErrorList
	seriesPath := field.NewPath("series")
	if len(m.Series) == 0 {
		allErrs = append(allErrs, field.Required(seriesPath, "at least one series with points"))
	}
	if len(m.Series) > MaxSeriesPerRequest {
		allErrs = append(allErrs, field.TooMany(seriesPath, len(m.Series), MaxSeriesPerRequest))
	}
	total := 0
	for i := range m.Series {
		s := &m.Series[i]
		p := seriesPath.Index(i)
		allErrs = append(allErrs, ValidateMetricName(s.Name, p.Child("name"))...)
		switch {
		case withTasks && s.Task == "":
			allErrs = append(allErrs, field.Required(p.Child("task"), "the PipelineRun task the series belongs to"))
		case withTasks:
			for _, msg := range mlvalidation.IsRunTaskName(s.Task) {
				allErrs = append(allErrs, field.Invalid(p.Child("task"), s.Task, msg))
			}
		case s.Task != "":
			allErrs = append(allErrs, field.Forbidden(p.Child("task"), "only PipelineRun series belong to tasks"))
		}
		if len(s.Points) == 0 {
			allErrs = append(allErrs, field.Required(p.Child("points"), "at least one point"))
		}
		total += len(s.Points)
		for j := range s.Points {
			allErrs = append(allErrs, validatePoint(&s.Points[j], now, p.Child("points").Index(j))...)
			if len(allErrs) > 100 {
				// One bad client sends thousands of bad points; say enough.
				return append(allErrs, field.InternalError(seriesPath, fmt.Errorf("too many errors, the rest not checked")))
			}
		}
	}
	if total > MaxPointsPerRequest {
		allErrs = append(allErrs, field.TooMany(seriesPath.Child("points"), total, MaxPointsPerRequest))
	}
	return allErrs
}

func validatePoint(pt *ml.MetricPoint, now time.Time, p *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if math.IsNaN(pt.Value) || math.IsInf(pt.Value, 0) {
		allErrs = append(allErrs, field.Invalid(p.Child("value"), pt.Value, "must be a finite number"))
	}
	if pt.Step < 0 || pt.Step > MaxStep {
		allErrs = append(allErrs, field.Invalid(p.Child("step"), pt.Step, fmt.Sprintf("must be between 0 and %d", int64(MaxStep))))
	}
	if !pt.Time.IsZero() {
		if t := pt.Time.Time; t.Before(minTime) || t.After(now.Add(futureSkew)) {
			allErrs = append(allErrs, field.Invalid(p.Child("time"), t.UTC().Format(time.RFC3339),
				"must be after 2000-01-01 and at most 24h after the server's time; omit it to use the server's time"))
		}
	}
	return allErrs
}

// ValidateMetricName checks that name is a label-like identifier: a
// qualified name as in label keys ("loss", "val_acc", "train/loss").
func ValidateMetricName(name string, p *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if name == "" {
		return append(allErrs, field.Required(p, "a metric name"))
	}
	for _, msg := range validation.IsQualifiedName(name) {
		allErrs = append(allErrs, field.Invalid(p, name, msg))
	}
	return allErrs
}

// ValidateMetricsOptions checks the query of a GET; maxPoints may be 0 (every
// point) or between MinMaxPoints and maxQueryPoints.
func ValidateMetricsOptions(o *ml.MetricsOptions, withTasks bool, maxQueryPoints int64) field.ErrorList {
	var allErrs field.ErrorList
	for i, n := range o.Names {
		allErrs = append(allErrs, ValidateMetricName(n, field.NewPath("names").Index(i))...)
	}
	if o.Task != "" {
		if !withTasks {
			allErrs = append(allErrs, field.Forbidden(field.NewPath("task"), "only PipelineRun series belong to tasks"))
		} else {
			for _, msg := range mlvalidation.IsRunTaskName(o.Task) {
				allErrs = append(allErrs, field.Invalid(field.NewPath("task"), o.Task, msg))
			}
		}
	}
	if o.SinceStep != nil && *o.SinceStep < 0 {
		allErrs = append(allErrs, field.Invalid(field.NewPath("sinceStep"), *o.SinceStep, "must not be negative"))
	}
	if mp := o.MaxPoints; mp != nil && *mp != 0 && (*mp < MinMaxPoints || *mp > maxQueryPoints) {
		allErrs = append(allErrs, field.Invalid(field.NewPath("maxPoints"), *mp,
			fmt.Sprintf("must be 0 (every point) or between %d and %d (--%s)", MinMaxPoints, maxQueryPoints, FlagMaxQueryPoints)))
	}
	return allErrs
}

// splitNames accepts names=a,b as well as names=a&names=b.
func splitNames(names []string) []string {
	var out []string
	seen := sets.New[string]()
	for _, n := range names {
		for _, part := range strings.Split(n, ",") {
			if part = strings.TrimSpace(part); part != "" && !seen.Has(part) {
				seen.Insert(part)
				out = append(out, part)
			}
		}
	}
	return out
}

// microTime converts microseconds since the epoch to a MicroTime.
func microTime(us int64) metav1.MicroTime {
	return metav1.NewMicroTime(time.UnixMicro(us))
}
