package compare

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/cmdtest"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/util"
)

const ns = "team"

// now is the end of the durations of running objects.
var now = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// fakeServer serves the objects (get, list by label) and their metrics
// subresources of the ml.example.io group, as the apiserver does.
type fakeServer struct {
	objects map[string][]*unstructured.Unstructured // by resource
	metrics map[string][]mlv1alpha1.MetricSeries    // by resource/name

	mu sync.Mutex
	// maxPoints are the maxPoints parameters of the metrics GETs.
	maxPoints map[string]bool
}

func (s *fakeServer) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	parts := strings.Split(strings.TrimPrefix(req.URL.Path, "/apis/ml.example.io/v1alpha1/namespaces/"+ns+"/"), "/")
	w.Header().Set("Content-Type", "application/json")
	notFound := func() {
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: metav1.StatusFailure, Reason: metav1.StatusReasonNotFound, Code: 404,
			Message: parts[0] + ".ml.example.io \"" + parts[len(parts)-1] + "\" not found", Details: &metav1.StatusDetails{Name: parts[len(parts)-1], Group: "ml.example.io", Kind: parts[0]}})
	}
	switch len(parts) {
	case 1:
		sel, err := labels.Parse(req.URL.Query().Get("labelSelector"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		l := &unstructured.UnstructuredList{Object: map[string]any{"apiVersion": "ml.example.io/v1alpha1", "kind": "List"}}
		for _, o := range s.objects[parts[0]] {
			if sel.Matches(labels.Set(o.GetLabels())) {
				l.Items = append(l.Items, *o)
			}
		}
		raw, _ := l.MarshalJSON()
		_, _ = w.Write(raw)
	case 2:
		for _, o := range s.objects[parts[0]] {
			if o.GetName() == parts[1] {
				raw, _ := o.MarshalJSON()
				_, _ = w.Write(raw)
				return
			}
		}
		notFound()
	case 3:
		s.mu.Lock()
		if s.maxPoints == nil {
			s.maxPoints = map[string]bool{}
		}
		s.maxPoints[req.URL.Query().Get("maxPoints")] = true
		s.mu.Unlock()
		series, ok := s.metrics[parts[0]+"/"+parts[1]]
		if !ok {
			notFound()
			return
		}
		_ = json.NewEncoder(w).Encode(mlv1alpha1.Metrics{TypeMeta: metav1.TypeMeta{Kind: "Metrics", APIVersion: "ml.example.io/v1alpha1"}, Series: series})
	default:
		notFound()
	}
}

// object is a stored object of resource: created minutes after the hour,
// started then and, when ran > 0, completed ran minutes later.
func (s *fakeServer) object(resource, name string, created int, ran int, phase string, labels, annotations map[string]string, spec map[string]any) {
	start := now.Add(-time.Hour + time.Duration(created)*time.Minute)
	status := map[string]any{"phase": phase}
	if phase != "Pending" {
		status["startTime"] = start.Format(time.RFC3339)
	}
	if ran > 0 {
		status["completionTime"] = start.Add(time.Duration(ran) * time.Minute).Format(time.RFC3339)
	}
	o := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "ml.example.io/v1alpha1", "kind": "X", "spec": spec, "status": status}}
	o.SetName(name)
	o.SetNamespace(ns)
	o.SetCreationTimestamp(metav1.NewTime(start))
	o.SetLabels(labels)
	o.SetAnnotations(annotations)
	if s.objects == nil {
		s.objects = map[string][]*unstructured.Unstructured{}
	}
	s.objects[resource] = append(s.objects[resource], o)
}

// series is a metric series with values at steps 1, 2, ... and the last,
// min and max the server computes.
func series(task, name string, values ...float64) mlv1alpha1.MetricSeries {
	s := mlv1alpha1.MetricSeries{Name: name, Task: task}
	for i, v := range values {
		p := mlv1alpha1.MetricPoint{Step: int64(i + 1), Value: v}
		s.Points = append(s.Points, p)
		if s.Min == nil || v < s.Min.Value {
			s.Min = &p
		}
		if s.Max == nil || v > s.Max.Value {
			s.Max = &p
		}
		s.Last = &p
	}
	return s
}

// seed stores a TuningJob of four trials (one early-stopped, one running),
// an experiment of a training job and a pipeline run, and two plain jobs.
func seed() *fakeServer {
	s := &fakeServer{metrics: map[string][]mlv1alpha1.MetricSeries{}}
	s.object(tuningJobs, "lr", 0, 0, "Running", nil, nil, map[string]any{"objective": map[string]any{"metric": "loss", "goal": "Minimize"}})
	trial := func(i int, params string, phase string, ran int, extra map[string]string, bonus float64, loss ...float64) {
		name := "lr-" + string(rune('0'+i))
		ann := map[string]string{trialParametersAnnotation: params}
		for k, v := range extra {
			ann[k] = v
		}
		s.object("trainingjobs", name, i, ran, phase, map[string]string{tuningJobLabel: "lr"}, ann, map[string]any{"args": []any{"--lr=$(params.lr)"}})
		epochs := make([]float64, len(loss))
		acc := make([]float64, len(loss))
		for j := range loss {
			epochs[j] = float64(j)
			acc[j] = 1 - loss[j]/4 + bonus
		}
		s.metrics["trainingjobs/"+name] = []mlv1alpha1.MetricSeries{series("", "loss", loss...), series("", "epoch", epochs...), series("", "accuracy", acc...)}
	}
	trial(0, `{"lr":"0.1","layers":"2","optimizer":"adam"}`, "Succeeded", 12, nil, 0.15, 2, 1.2, 0.9, 0.8, 0.7, 0.65)
	trial(1, `{"lr":"0.01","layers":"3","optimizer":"adam"}`, "Succeeded", 11, nil, 0, 2.2, 1.0, 0.6, 0.4, 0.35, 0.3)
	trial(2, `{"lr":"0.5","layers":"2","optimizer":"adam"}`, "Suspended", 3, map[string]string{earlyStoppedAnnotation: "worse than the median"}, 0, 3, 2.8, 2.7)
	trial(3, `{"lr":"0.005","layers":"4","optimizer":"adam"}`, "Running", 0, nil, 0, 2.1, 0.9, 0.5)
	// Not a trial of lr.
	s.object("trainingjobs", "other", 1, 5, "Succeeded", nil, nil, map[string]any{"args": []any{"--lr=0.3", "--epochs", "3", "--verbose"}})
	s.metrics["trainingjobs/other"] = []mlv1alpha1.MetricSeries{series("", "loss", 1, 0.5), series("", "accuracy", 0.6, 0.8)}
	// An experiment: a job with arguments and a run with params.
	exp := map[string]string{mlv1alpha1.ExperimentLabel: "baseline"}
	s.object("trainingjobs", "base-tj", 30, 20, "Succeeded", exp, nil, map[string]any{"args": []any{"train.py", "--lr=0.05", "--epochs", "10", "--data=/data/mnist"}})
	s.metrics["trainingjobs/base-tj"] = []mlv1alpha1.MetricSeries{series("", "loss", 1.5, 0.8, 0.45)}
	s.object("pipelineruns", "base-plr", 31, 0, "Running", exp, nil, map[string]any{"params": []any{map[string]any{"name": "lr", "value": "0.07"}, map[string]any{"name": "data", "value": "/data/mnist"}}})
	s.metrics["pipelineruns/base-plr"] = []mlv1alpha1.MetricSeries{series("train", "loss", 1.4, 0.9), series("eval", "accuracy", 0.7)}
	s.object("trainingjobs", "no-metrics", 40, 0, "Pending", exp, nil, nil)
	// Searches whose trials are pipeline runs: the objective is the loss
	// of their fit task, named by objectiveTask or not.
	for _, search := range []struct{ name, task string }{{"plr", "fit"}, {"plr-any", ""}} {
		s.object(tuningJobs, search.name, 50, 0, "Running", nil, nil, map[string]any{
			"objective":     map[string]any{"metric": "loss", "goal": "Minimize"},
			"trialTemplate": map[string]any{"objectiveTask": search.task, "pipelineRun": map[string]any{"pipelineRef": map[string]any{"name": "train"}}},
		})
		for i, loss := range [][]float64{{1.5, 0.9}, {1.2, 0.4}, {2, 1.8}} {
			name := search.name + "-" + string(rune('0'+i))
			s.object("pipelineruns", name, 50+i, 3, "Succeeded", map[string]string{tuningJobLabel: search.name},
				map[string]string{trialParametersAnnotation: `{"lr":"0.` + string(rune('1'+i)) + `"}`},
				map[string]any{"params": []any{map[string]any{"name": "lr", "value": "0." + string(rune('1'+i))}}})
			s.metrics["pipelineruns/"+name] = []mlv1alpha1.MetricSeries{series("fit", "loss", loss...), series("eval", "accuracy", 1-loss[len(loss)-1]/2)}
		}
	}
	// Trials the TuningJob stopped: suspended TrainingJobs, which have no
	// start time any more; they count from creation to suspension.
	s.object(tuningJobs, "hb", 55, 0, "Running", nil, nil, map[string]any{"objective": map[string]any{"metric": "loss", "goal": "Minimize"}})
	for i, stop := range []map[string]string{
		{budgetReachedAnnotation: "reached its budget of 3 steps (reported step 4)"},
		{earlyStoppedAnnotation: "median stopping rule: worse"},
	} {
		name := "hb-" + string(rune('0'+i))
		ann := map[string]string{trialParametersAnnotation: `{"lr":"0.` + string(rune('1'+i)) + `"}`}
		for k, v := range stop {
			ann[k] = v
		}
		s.object("trainingjobs", name, 55+i, 0, "Suspended", map[string]string{tuningJobLabel: "hb"}, ann, nil)
		o := s.objects["trainingjobs"][len(s.objects["trainingjobs"])-1]
		unstructured.RemoveNestedField(o.Object, "status", "startTime")
		suspended := o.GetCreationTimestamp().Add(time.Duration(2+i) * time.Minute).Format(time.RFC3339)
		_ = unstructured.SetNestedSlice(o.Object, []any{map[string]any{"type": "Suspended", "status": "True", "lastTransitionTime": suspended}}, "status", "conditions")
		s.metrics["trainingjobs/"+name] = []mlv1alpha1.MetricSeries{series("", "loss", 2, 1+float64(i))}
	}
	return s
}

// run runs compare against srv with o's flags, returning the output, the
// warnings and the error as a golden file holds them.
func run(t *testing.T, srv *fakeServer, o *Options) string {
	t.Helper()
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	config := &rest.Config{Host: hs.URL, APIPath: "/apis", ContentConfig: rest.ContentConfig{
		GroupVersion: &schema.GroupVersion{Group: "ml.example.io", Version: "v1alpha1"}, NegotiatedSerializer: scheme.Codecs.WithoutConversion(),
	}}
	var err error
	if o.client, err = rest.RESTClientFor(config); err != nil {
		t.Fatal(err)
	}
	if o.dynamic, err = dynamic.NewForConfig(config); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	o.IOStreams = genericiooptions.IOStreams{Out: &out, ErrOut: &errOut}
	o.Now = func() time.Time { return now }
	o.namespace = ns
	if o.Height == 0 {
		o.Height = 12
	}
	if err := o.Validate(); err != nil {
		return "validate: " + err.Error() + "\n"
	}
	got := ""
	if err := o.Run(t.Context()); err != nil {
		got = "error: " + err.Error() + "\n"
	}
	return got + out.String() + "--- stderr\n" + errOut.String()
}

func target(resource, name string) util.Target {
	return util.Target{Resource: resource, Namespace: ns, Name: name}
}

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		golden string
		o      *Options
	}{
		// The trials of a TuningJob, best loss first, with loss.best.
		{"tuningjob", &Options{targets: []util.Target{target(tuningJobs, "lr")}}},
		// ... with the loss of every trial on one chart.
		{"tuningjob-chart", &Options{targets: []util.Target{target(tuningJobs, "lr")}, Chart: "loss", Width: 60, Height: 6}},
		// ... by a parameter, and by accuracy highest first, wide.
		{"tuningjob-sort-param", &Options{targets: []util.Target{target(tuningJobs, "lr")}, SortBy: "lr"}},
		{"tuningjob-sort-accuracy-wide", &Options{targets: []util.Target{target(tuningJobs, "lr")}, SortBy: "accuracy", Reverse: true, Output: "wide"}},
		// Trials stopped at their budget or early: their phase and duration.
		{"tuningjob-stopped", &Options{targets: []util.Target{target(tuningJobs, "hb")}}},
		// Pipeline trials: sorted by their objective task's series.
		{"tuningjob-pipeline", &Options{targets: []util.Target{target(tuningJobs, "plr")}}},
		{"tuningjob-pipeline-any-task", &Options{targets: []util.Target{target(tuningJobs, "plr-any")}}},
		// An experiment: kinds side by side, params shared listed once.
		{"experiment", &Options{Experiment: "baseline"}},
		// A selector and --metrics.
		{"selector-metrics", &Options{Selector: mlv1alpha1.ExperimentLabel + " in (baseline)", Metrics: []string{"train/loss", "nope"}, SortBy: "train/loss"}},
		// Named objects: their arguments are their parameters.
		{"names", &Options{targets: []util.Target{target("trainingjobs", "other"), target("trainingjobs", "base-tj")}, SortBy: "loss.min"}},
		// Nothing selected.
		{"none", &Options{Selector: "nope=nope"}},
		// Errors that say what exists.
		{"error-sort-by", &Options{targets: []util.Target{target(tuningJobs, "lr")}, SortBy: "los"}},
		{"error-chart", &Options{targets: []util.Target{target(tuningJobs, "lr")}, Chart: "los"}},
		{"error-not-found", &Options{targets: []util.Target{target(tuningJobs, "nope")}}},
		{"error-nothing-named", &Options{}},
		{"error-names-and-selector", &Options{targets: []util.Target{target("trainingjobs", "other")}, Experiment: "x"}},
		{"error-output", &Options{Experiment: "x", Output: "json"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			cmdtest.Golden(t, "compare-"+tc.golden, run(t, seed(), tc.o))
		})
	}
}

// TestMetricsPoints: the table needs only the last, minimum and maximum,
// which the server keeps whatever the points: compare asks for the fewest
// points, and for the server's default when it charts.
func TestMetricsPoints(t *testing.T) {
	for _, tc := range []struct {
		chart string
		want  string
	}{{"", "4"}, {"loss", ""}} {
		srv := seed()
		run(t, srv, &Options{targets: []util.Target{target(tuningJobs, "lr")}, Chart: tc.chart})
		if len(srv.maxPoints) != 1 || !srv.maxPoints[tc.want] {
			t.Errorf("--chart %q: maxPoints asked %v, want only %q", tc.chart, srv.maxPoints, tc.want)
		}
	}
}

func TestFlagArgs(t *testing.T) {
	got := flagArgs([]string{"train.py", "--lr=0.1", "--epochs", "3", "--verbose", "-x", "1", "--", "--a=b=c", "--neg", "-1"})
	want := map[string]string{"lr": "0.1", "epochs": "3", "a": "b=c"}
	if len(got) != len(want) {
		t.Fatalf("flagArgs = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("flagArgs[%s] = %q, want %q", k, got[k], v)
		}
	}
}
