package compare

import (
	"encoding/json"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// The labels and annotations a TuningJob puts on its trials (as
// mlv1alpha1.TuningJobNameLabel and friends name them).
const (
	tuningJobLabel            = "ml.example.io/tuning-job"
	trialParametersAnnotation = "ml.example.io/trial-parameters"
	earlyStoppedAnnotation    = "ml.example.io/early-stopped"
	budgetReachedAnnotation   = "ml.example.io/budget-reached"
)

// row is one compared object: what it was given and what it measured.
type row struct {
	resource, namespace, name string
	created                   time.Time
	phase                     string
	start, end                *time.Time
	// params are its parameters: a trial's from its annotation, a pipeline
	// run's params, a training job's --flag=value arguments.
	params map[string]string
	// series are its metric series by name (TASK/NAME for a pipeline run's
	// task).
	series map[string]mlv1alpha1.MetricSeries
}

// newRow reads what a row shows of obj; the metrics come later.
func newRow(resource string, obj *unstructured.Unstructured) *row {
	r := &row{resource: resource, namespace: obj.GetNamespace(), name: obj.GetName(), created: obj.GetCreationTimestamp().Time, series: map[string]mlv1alpha1.MetricSeries{}}
	r.phase, _, _ = unstructured.NestedString(obj.Object, "status", "phase")
	_, stopped := obj.GetAnnotations()[earlyStoppedAnnotation]
	_, budget := obj.GetAnnotations()[budgetReachedAnnotation]
	switch {
	case r.phase == string(mlv1alpha1.TrainingJobSucceeded) || r.phase == string(mlv1alpha1.TrainingJobFailed):
		// It ended before the stop took effect, as the TuningJob counts it.
	case budget:
		r.phase = "BudgetReached"
	case stopped:
		r.phase = "EarlyStopped"
	}
	r.start = timeField(obj, "status", "startTime")
	r.end = timeField(obj, "status", "completionTime")
	if (stopped || budget) && r.start == nil && r.end == nil {
		// A stopped trial TrainingJob is suspended, which clears its start
		// time: it counts from its creation to its suspension.
		if at := conditionTime(obj, "Suspended"); at != nil {
			created := r.created
			r.start, r.end = &created, at
		}
	}
	r.params = params(resource, obj)
	return r
}

// conditionTime is when the condition typ of obj turned true; nil when
// it is not true.
func conditionTime(obj *unstructured.Unstructured, typ string) *time.Time {
	conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if !ok || m["type"] != typ || m["status"] != "True" {
			continue
		}
		if s, ok := m["lastTransitionTime"].(string); ok {
			if t, err := time.Parse(time.RFC3339, s); err == nil {
				return &t
			}
		}
	}
	return nil
}

// timeField reads an RFC 3339 time of obj, nil when absent or malformed.
func timeField(obj *unstructured.Unstructured, fields ...string) *time.Time {
	s, _, _ := unstructured.NestedString(obj.Object, fields...)
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil
	}
	return &t
}

// params returns the parameters of obj: a trial's annotation when it has
// one, else a pipeline run's params (as resolved in its status, else as
// asked) or a training job's arguments of the form --name=value or
// --name value.
func params(resource string, obj *unstructured.Unstructured) map[string]string {
	out := map[string]string{}
	if raw, ok := obj.GetAnnotations()[trialParametersAnnotation]; ok {
		if err := json.Unmarshal([]byte(raw), &out); err == nil {
			return out
		}
		out = map[string]string{}
	}
	switch resource {
	case "pipelineruns":
		list, found, _ := unstructured.NestedSlice(obj.Object, "status", "params")
		if !found {
			list, _, _ = unstructured.NestedSlice(obj.Object, "spec", "params")
		}
		for _, item := range list {
			m, ok := item.(map[string]any)
			if !ok {
				continue
			}
			name, _ := m["name"].(string)
			value, _ := m["value"].(string)
			if name != "" {
				out[name] = value
			}
		}
	case "trainingjobs":
		args, _, _ := unstructured.NestedStringSlice(obj.Object, "spec", "args")
		for k, v := range flagArgs(args) {
			out[k] = v
		}
	}
	return out
}

// flagArgs reads --name=value and --name value (a value not starting with
// "-") from args.
func flagArgs(args []string) map[string]string {
	out := map[string]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "--") || len(a) == 2 {
			continue
		}
		name, value, ok := strings.Cut(a[2:], "=")
		if !ok {
			if i+1 >= len(args) || strings.HasPrefix(args[i+1], "-") {
				continue
			}
			value = args[i+1]
			i++
		}
		out[name] = value
	}
	return out
}

// duration is how long the object ran: to its completion, or to now while
// it runs; false before it started.
func (r *row) duration(now time.Time) (time.Duration, bool) {
	if r.start == nil {
		return 0, false
	}
	end := now
	if r.end != nil {
		end = *r.end
	}
	return end.Sub(*r.start), true
}

// addMetrics stores the series of m by name.
func (r *row) addMetrics(m *mlv1alpha1.Metrics) {
	for _, s := range m.Series {
		r.series[seriesName(s)] = s
	}
}

func seriesName(s mlv1alpha1.MetricSeries) string {
	if s.Task != "" {
		return s.Task + "/" + s.Name
	}
	return s.Name
}
