package metrics

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/utils/clock"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/storage/metricstore"
)

// Config configures the metrics subresource of one kind.
type Config struct {
	// Resource is the plural resource of the owners, e.g. "trainingjobs".
	Resource string
	// Kind is the owners' kind, e.g. "TrainingJob".
	Kind string
	// Owners reads the owning objects (the kind's main store).
	Owners rest.Getter
	// Store holds the series.
	Store metricstore.MetricStore
	// WithTasks says series belong to tasks (PipelineRuns).
	WithTasks bool
	// Writers checks the writer of a POST beyond RBAC; nil allows every
	// writer RBAC allowed.
	Writers WriterCheck
	// Clock gives the time of points posted without one.
	Clock clock.PassiveClock
	// Limits bound the answers of GET.
	Limits QueryLimits
}

// Deps are what every metrics subresource shares. Without a Store no
// metrics subresource is served.
type Deps struct {
	// Store holds the series.
	Store metricstore.MetricStore
	// Writers checks the writers of POSTs beyond RBAC; nil for none.
	Writers WriterCheck
	// Limits bound the answers of GET.
	Limits QueryLimits
}

// Config returns the Config of the metrics subresource of resource, whose
// objects, of kind kind, owners reads, over d.
func (d Deps) Config(resource, kind string, owners rest.Getter) Config {
	return Config{Resource: resource, Kind: kind, Owners: owners, Store: d.Store, Writers: d.Writers, Limits: d.Limits}
}

// WriterCheck decides whether the requesting user may append to the
// series of owner, beyond RBAC.
type WriterCheck interface {
	CheckWriter(ctx context.Context, kind string, owner metav1.Object) error
}

// REST is the metrics subresource: GET with MetricsOptions, POST of a
// Metrics body.
type REST struct {
	c Config
}

var (
	_ rest.Storage           = &REST{}
	_ rest.GetterWithOptions = &REST{}
	_ rest.NamedCreater      = &REST{}
	_ rest.Scoper            = &REST{}
)

// NewREST returns the metrics subresource described by c.
func NewREST(c Config) *REST {
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	return &REST{c: c}
}

// New returns an empty Metrics.
func (r *REST) New() runtime.Object { return &ml.Metrics{} }

// Destroy does nothing: the owner store is shared and destroyed by its
// own REST.
func (r *REST) Destroy() {}

// NamespaceScoped is true: every owner kind is namespaced.
func (r *REST) NamespaceScoped() bool { return true }

// NewGetOptions returns the options kind of GET.
func (r *REST) NewGetOptions() (runtime.Object, bool, string) {
	return &ml.MetricsOptions{}, false, ""
}

// Get returns the selected series of the named object, streamed (see
// metricsStream). Without maxPoints each series is downsampled to the
// server's default; maxPoints=0 returns every stored point.
func (r *REST) Get(ctx context.Context, name string, opts runtime.Object) (runtime.Object, error) {
	o, ok := opts.(*ml.MetricsOptions)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid options object: %#v", opts))
	}
	o.Names = splitNames(o.Names)
	limits := r.c.Limits.withDefaults()
	if errs := ValidateMetricsOptions(o, r.c.WithTasks, limits.MaxQueryPoints); len(errs) > 0 {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid metrics options: %s", errs.ToAggregate()))
	}
	owner, objMeta, err := r.owner(ctx, name)
	if err != nil {
		return nil, err
	}
	q := metricstore.Query{Names: o.Names, Task: o.Task}
	if o.SinceStep != nil {
		q.SinceStep = *o.SinceStep
	}
	maxPoints := limits.DefaultMaxPoints
	if o.MaxPoints != nil {
		maxPoints = *o.MaxPoints
	}
	return &metricsStream{
		store:    r.c.Store,
		owner:    owner,
		meta:     r.metricsOf(objMeta).Metadata,
		query:    q,
		maxPoint: int(maxPoints),
	}, nil
}

// Create appends the points of a Metrics body. Invalid bodies store
// nothing. The response lists the series written, each with count set to
// the number of points appended.
func (r *REST) Create(ctx context.Context, name string, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	m, ok := obj.(*ml.Metrics)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not a Metrics: %T", obj))
	}
	now := r.c.Clock.Now()
	if errs := ValidateMetrics(m, r.c.WithTasks, now); len(errs) > 0 {
		return nil, apierrors.NewInvalid(ml.Kind("Metrics"), name, errs)
	}
	owner, objMeta, err := r.owner(ctx, name)
	if err != nil {
		return nil, err
	}
	if r.c.Writers != nil {
		if err := r.c.Writers.CheckWriter(ctx, r.c.Kind, objMeta); err != nil {
			return nil, err
		}
	}
	if createValidation != nil {
		if err := createValidation(ctx, obj); err != nil {
			return nil, err
		}
	}
	batch := make([]metricstore.Series, 0, len(m.Series))
	out := r.metricsOf(objMeta)
	for _, s := range m.Series {
		points := make([]metricstore.Point, len(s.Points))
		for i, p := range s.Points {
			t := p.Time.Time
			if t.IsZero() {
				t = now
			}
			points[i] = metricstore.Point{Step: p.Step, Time: t.UnixMicro(), Value: p.Value}
		}
		id := metricstore.SeriesID{Task: s.Task, Name: s.Name}
		batch = append(batch, metricstore.Series{SeriesID: id, Points: points})
		out.Series = append(out.Series, ml.MetricSeries{Name: s.Name, Task: s.Task, Points: []ml.MetricPoint{}, Count: int64(len(points))})
	}
	if len(options.DryRun) > 0 {
		return out, nil
	}
	if err := r.c.Store.Append(ctx, owner, batch); err != nil {
		return nil, appendError(name, err)
	}
	return out, nil
}

// owner reads the named object: metrics of a missing object are 404.
func (r *REST) owner(ctx context.Context, name string) (metricstore.Owner, metav1.Object, error) {
	obj, err := r.c.Owners.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return metricstore.Owner{}, nil, err
	}
	objMeta, err := meta.Accessor(obj)
	if err != nil {
		return metricstore.Owner{}, nil, apierrors.NewInternalError(err)
	}
	ns, _ := genericapirequest.NamespaceFrom(ctx)
	return metricstore.Owner{Resource: r.c.Resource, Namespace: ns, Name: name, UID: objMeta.GetUID()}, objMeta, nil
}

func (r *REST) metricsOf(owner metav1.Object) *ml.Metrics {
	return &ml.Metrics{Metadata: metav1.ObjectMeta{
		Name:      owner.GetName(),
		Namespace: owner.GetNamespace(),
		UID:       owner.GetUID(),
	}}
}

// Owner returns the metricstore owner of obj, for deleting its series.
func Owner(resource string, obj runtime.Object) (metricstore.Owner, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return metricstore.Owner{}, err
	}
	return metricstore.Owner{Resource: resource, Namespace: m.GetNamespace(), Name: m.GetName(), UID: m.GetUID()}, nil
}
