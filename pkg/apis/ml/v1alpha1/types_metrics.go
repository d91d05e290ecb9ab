package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Metrics are the metric series of a TrainingJob, PipelineRun or Model: what
// GET .../<kind>/<name>/metrics returns and what POST to the same path
// appends. The points live in their own store, never in the object.
type Metrics struct {
	metav1.TypeMeta `json:",inline"`
	// Metadata is the name, namespace and uid of the object the series
	// belong to; ignored on POST. It is a named field, not embedded
	// ObjectMeta, on purpose: the API server then keeps no managedFields for
	// POST bodies of thousands of points (structured-merge-diff would walk
	// every point of every request for nothing).
	// +optional
	Metadata metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Series are the metric series, sorted by task and name.
	// +listType=atomic
	Series []MetricSeries `json:"series" protobuf:"bytes,2,rep,name=series"`
}

// MetricSeries is the points of one metric, for example the loss of a job.
type MetricSeries struct {
	// Name of the metric, a label-like identifier such as "loss",
	// "val_accuracy" or "train/loss".
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
	// Task is the PipelineRun task the series belongs to. Required for
	// PipelineRuns, forbidden for the other kinds.
	// +optional
	Task string `json:"task,omitempty" protobuf:"bytes,2,opt,name=task"`
	// Points are the points in step order. A GET with maxPoints returns a
	// downsampled selection that keeps the first, last, minimum and maximum
	// points.
	// +listType=atomic
	Points []MetricPoint `json:"points" protobuf:"bytes,3,rep,name=points"`
	// Count is the number of points stored for the series (before
	// downsampling). Ignored on POST.
	// +optional
	Count int64 `json:"count,omitempty" protobuf:"varint,4,opt,name=count"`
	// Downsampled says Points is a selection of the stored points: the
	// series had more than maxPoints (or the server's default) points.
	// Ignored on POST.
	// +optional
	Downsampled bool `json:"downsampled,omitempty" protobuf:"varint,5,opt,name=downsampled"`
	// Last is the last point reported (highest step). Ignored on POST.
	// +optional
	Last *MetricPoint `json:"last,omitempty" protobuf:"bytes,6,opt,name=last"`
	// Min is the point with the lowest value ever reported. Ignored on POST.
	// +optional
	Min *MetricPoint `json:"min,omitempty" protobuf:"bytes,7,opt,name=min"`
	// Max is the point with the highest value ever reported. Ignored on POST.
	// +optional
	Max *MetricPoint `json:"max,omitempty" protobuf:"bytes,8,opt,name=max"`
}

// MetricPoint is one value of a metric.
type MetricPoint struct {
	// Step is the step (iteration, epoch) of the value; 0 or more.
	// +optional
	Step int64 `json:"step" protobuf:"varint,1,opt,name=step"`
	// Time is when the value was measured; the server's time of the POST
	// when omitted.
	// +optional
	Time metav1.MicroTime `json:"time,omitempty" protobuf:"bytes,2,opt,name=time"`
	// Value is the value; a finite number.
	Value float64 `json:"value" protobuf:"fixed64,3,opt,name=value"`
}

// +k8s:conversion-gen:explicit-from=net/url.Values
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// MetricsOptions are the query parameters of GET .../metrics.
type MetricsOptions struct {
	metav1.TypeMeta `json:",inline"`

	// Names selects series by name (repeat the parameter or separate names
	// with commas); all series when empty.
	// +optional
	// +listType=atomic
	Names []string `json:"names,omitempty" protobuf:"bytes,1,rep,name=names"`
	// Task selects the series of one PipelineRun task.
	// +optional
	Task string `json:"task,omitempty" protobuf:"bytes,2,opt,name=task"`
	// SinceStep returns only points at this step or later.
	// +optional
	SinceStep *int64 `json:"sinceStep,omitempty" protobuf:"varint,3,opt,name=sinceStep"`
	// MaxPoints downsamples every series to at most this many points (at
	// least 4), keeping the first, last, minimum and maximum points. When
	// absent the server's default applies (--metrics-default-max-points,
	// 1000); 0 asks for every stored point, which the server streams.
	// +optional
	MaxPoints *int64 `json:"maxPoints,omitempty" protobuf:"varint,4,opt,name=maxPoints"`
}

func init() {
	localSchemeBuilder.Register(addMetricsTypes)
}

// addMetricsTypes registers the kinds of the metrics subresource.
func addMetricsTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(SchemeGroupVersion, &Metrics{}, &MetricsOptions{})
	return nil
}
