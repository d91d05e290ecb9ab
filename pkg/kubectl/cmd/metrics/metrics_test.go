package metrics

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/util"
)

func TestRequest(t *testing.T) {
	c, err := rest.RESTClientFor(&rest.Config{
		Host:    "https://example.invalid",
		APIPath: "/apis",
		ContentConfig: rest.ContentConfig{
			GroupVersion:         &schema.GroupVersion{Group: "ml.example.io", Version: "v1alpha1"},
			NegotiatedSerializer: scheme.Codecs.WithoutConversion(),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	o := &Options{Names: []string{"loss", "accuracy"}, Task: "train-1", SinceStep: 10, MaxPoints: 100, Width: 60, Height: 8,
		client: c, target: util.Target{Resource: "pipelineruns", Namespace: "ns", Name: "run"}}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	u := o.Request().URL()
	got := u.Path + "?" + u.Query().Encode()
	want := "/apis/ml.example.io/v1alpha1/namespaces/ns/pipelineruns/run/metrics?" +
		url.Values{"names": {"loss,accuracy"}, "task": {"train-1"}, "sinceStep": {"10"}, "maxPoints": {"100"}}.Encode()
	if got != want {
		t.Errorf("request\n got %s\nwant %s", got, want)
	}
}

// TestRequestMaxPoints: by default the server's default applies (no
// maxPoints); --max-points 0 asks for every point explicitly.
func TestRequestMaxPoints(t *testing.T) {
	c, err := rest.RESTClientFor(&rest.Config{
		Host:    "https://example.invalid",
		APIPath: "/apis",
		ContentConfig: rest.ContentConfig{
			GroupVersion:         &schema.GroupVersion{Group: "ml.example.io", Version: "v1alpha1"},
			NegotiatedSerializer: scheme.Codecs.WithoutConversion(),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for maxPoints, want := range map[int32]string{-1: "", 0: "0", 50: "50"} {
		o := &Options{SinceStep: -1, MaxPoints: maxPoints, client: c, target: util.Target{Resource: "trainingjobs", Namespace: "ns", Name: "job"}}
		q := o.Request().URL().Query()
		if got := q.Get("maxPoints"); got != want || q.Has("maxPoints") != (want != "") {
			t.Errorf("--max-points %d: maxPoints=%q (present %v), want %q", maxPoints, got, q.Has("maxPoints"), want)
		}
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name     string
		resource string
		change   func(*Options)
		want     string
	}{
		{"defaults", "trainingjobs", func(*Options) {}, ""},
		{"output", "trainingjobs", func(o *Options) { o.Output = "wide" }, "--output"},
		{"task of a job", "trainingjobs", func(o *Options) { o.Task = "a" }, "--task is for pipelineruns"},
		{"since step", "models", func(o *Options) { o.SinceStep = -2 }, "--since-step"},
		{"max points", "models", func(o *Options) { o.MaxPoints = 3 }, "--max-points"},
		{"max points below -1", "models", func(o *Options) { o.MaxPoints = -2 }, "--max-points"},
		{"every point", "models", func(o *Options) { o.MaxPoints = 0 }, ""},
		{"interval", "models", func(o *Options) { o.Watch, o.Interval = true, 0 }, "--interval"},
		{"height", "models", func(o *Options) { o.Height = 1 }, "--height"},
		{"no charts", "models", func(o *Options) { o.Height = 0 }, ""},
	}
	for _, tc := range cases {
		o := &Options{SinceStep: -1, Interval: 1, Width: 60, Height: 8, target: util.Target{Resource: tc.resource}}
		tc.change(o)
		err := o.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestPrint(t *testing.T) {
	p := func(step int64, v float64) *mlv1alpha1.MetricPoint {
		return &mlv1alpha1.MetricPoint{Step: step, Value: v}
	}
	m := &mlv1alpha1.Metrics{Series: []mlv1alpha1.MetricSeries{
		{Name: "loss", Points: []mlv1alpha1.MetricPoint{*p(1, 0.9), *p(2, 0.5), *p(3, 0.3)},
			Count: 3, Last: p(3, 0.3), Min: p(3, 0.3), Max: p(1, 0.9)},
		{Name: "accuracy", Task: "train-0", Points: []mlv1alpha1.MetricPoint{*p(1, 0.98)},
			Last: p(1, 0.98), Min: p(1, 0.98), Max: p(1, 0.98)},
	}}
	var b bytes.Buffer
	o := &Options{Width: 20, Height: 4, target: util.Target{Resource: "trainingjobs", Name: "j"}}
	if err := o.Print(&b, m); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"NAME", "LAST", "POINTS",
		"loss", "0.3", "0.3 (step 3)", "0.9 (step 1)",
		"train-0/accuracy", "0.98 (step 1)",
		"step 1", // chart x axis
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[1], "loss ") || !strings.HasSuffix(strings.TrimSpace(lines[1]), " 3") {
		t.Errorf("loss row %q: want its point count 3 last", lines[1])
	}

	b.Reset()
	o.Output = "json"
	m.SetGroupVersionKind(mlv1alpha1.SchemeGroupVersion.WithKind("Metrics"))
	if err := o.Print(&b, m); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"kind": "Metrics"`) || !strings.Contains(b.String(), `"name": "loss"`) {
		t.Errorf("json output:\n%s", b.String())
	}

	b.Reset()
	o.Output = ""
	if err := o.Print(&b, &mlv1alpha1.Metrics{}); err != nil || !strings.Contains(b.String(), "No metrics for trainingjobs/j") {
		t.Errorf("empty metrics: %q, %v", b.String(), err)
	}
}
