package compare

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// collect reads the objects to compare, their metrics, and sorts them.
func (o *Options) collect(ctx context.Context) (*table, error) {
	t := &table{metricNames: o.Metrics, wide: o.Output == "wide", now: o.Now()}
	seen := map[string]bool{}
	add := func(resource string, obj *unstructured.Unstructured) {
		key := resource + "/" + obj.GetNamespace() + "/" + obj.GetName()
		if !seen[key] {
			seen[key] = true
			t.rows = append(t.rows, newRow(resource, obj))
		}
	}
	list := func(ns, selector string) error {
		for _, res := range compared {
			l, err := o.dynamic.Resource(mlv1alpha1.SchemeGroupVersion.WithResource(res)).Namespace(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
			if err != nil {
				return err
			}
			for i := range l.Items {
				add(res, &l.Items[i])
			}
		}
		return nil
	}
	if sel := o.selector(); sel != "" {
		if err := list(o.namespace, sel); err != nil {
			return nil, err
		}
	}
	for _, target := range o.targets {
		obj, err := o.dynamic.Resource(mlv1alpha1.SchemeGroupVersion.WithResource(target.Resource)).Namespace(target.Namespace).Get(ctx, target.Name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		if target.Resource != tuningJobs {
			add(target.Resource, obj)
			continue
		}
		if t.objective == nil {
			t.objective = objectiveOf(obj)
		}
		if err := list(target.Namespace, tuningJobLabel+"="+target.Name); err != nil {
			return nil, err
		}
	}
	if err := o.readMetrics(ctx, t.rows); err != nil {
		return nil, err
	}
	return t, o.order(t)
}

// metricsReaders is how many metrics subresources compare reads at once.
const metricsReaders = 8

// readMetrics reads the metrics of every row, metricsReaders at a time.
// Without a chart only the last, minimum and maximum are needed, which the
// server keeps for every series: it asks for the fewest points.
func (o *Options) readMetrics(ctx context.Context, rows []*row) error {
	errs := make([]error, len(rows))
	sem := make(chan struct{}, metricsReaders)
	var wg sync.WaitGroup
	for i, r := range rows {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			req := o.client.Get().Namespace(r.namespace).Resource(r.resource).Name(r.name).SubResource("metrics")
			if o.Chart == "" {
				req.Param("maxPoints", strconv.Itoa(minMaxPoints))
			}
			m := &mlv1alpha1.Metrics{}
			err := req.Do(ctx).Into(m)
			switch {
			case apierrors.IsNotFound(err):
				// Deleted since it was listed.
			case err != nil:
				errs[i] = err
			default:
				r.addMetrics(m)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// minMaxPoints is the fewest points a metrics GET may ask for (the first,
// last, minimum and maximum).
const minMaxPoints = 4

// objectiveOf reads a TuningJob's spec.objective; nil without a metric.
// The objective of pipeline trials is the series of their objective task,
// TASK/METRIC as pipeline run metrics are named.
func objectiveOf(tj *unstructured.Unstructured) *objective {
	metric, _, _ := unstructured.NestedString(tj.Object, "spec", "objective", "metric")
	if metric == "" {
		return nil
	}
	goal, _, _ := unstructured.NestedString(tj.Object, "spec", "objective", "goal")
	if task, _, _ := unstructured.NestedString(tj.Object, "spec", "trialTemplate", "objectiveTask"); task != "" {
		metric = task + "/" + metric
	}
	return &objective{metric: metric, maximize: goal == "Maximize"}
}

// resolveObjective names the objective series of pipeline trials that
// have no objective task: the one TASK/METRIC series of the rows.
func (t *table) resolveObjective() {
	if t.objective == nil || t.hasSeries(t.objective.metric) {
		return
	}
	var found []string
	for _, r := range t.rows {
		for name := range r.series {
			if strings.HasSuffix(name, "/"+t.objective.metric) && !slices.Contains(found, name) {
				found = append(found, name)
			}
		}
	}
	if len(found) == 1 {
		t.objective.metric = found[0]
	}
}

// order sorts the rows as the flags say, after checking that --sort-by,
// --chart and --metrics name something the rows have.
func (o *Options) order(t *table) error {
	if len(t.rows) == 0 {
		return nil
	}
	for _, m := range o.Metrics {
		if !t.hasSeries(m) {
			fmt.Fprintf(o.ErrOut, "warning: no row has a metric %q; their metrics: %s\n", m, t.seriesList())
		}
	}
	if o.Chart != "" && !t.hasSeries(o.Chart) {
		return fmt.Errorf("--chart %q: no row has that metric; their metrics: %s", o.Chart, t.seriesList())
	}
	t.resolveObjective()
	t.sortDefault()
	switch {
	case o.SortBy != "":
		if !t.knows(o.SortBy) {
			return fmt.Errorf("--sort-by %q: no row has that column; use a metric (%s), METRIC.min, METRIC.max, a parameter (%s), name, phase or duration",
				o.SortBy, t.seriesList(), t.paramList())
		}
		t.sortBy(o.SortBy, o.Reverse)
	case t.objective != nil:
		t.sortBy(t.objective.metric, t.objective.maximize != o.Reverse)
	case o.Reverse:
		slices.Reverse(t.rows)
	}
	return nil
}

func (t *table) hasSeries(name string) bool {
	for _, r := range t.rows {
		if _, ok := r.series[name]; ok {
			return true
		}
	}
	return false
}

// seriesList names every series of the rows, or says there are none.
func (t *table) seriesList() string {
	return list(func(r *row) []string {
		var names []string
		for n := range r.series {
			names = append(names, n)
		}
		return names
	}, t.rows, "none yet")
}

// paramList names every parameter of the rows, or says there are none.
func (t *table) paramList() string {
	return list(func(r *row) []string {
		var names []string
		for n := range r.params {
			names = append(names, n)
		}
		return names
	}, t.rows, "none")
}

func list(names func(*row) []string, rows []*row, empty string) string {
	seen := map[string]bool{}
	var all []string
	for _, r := range rows {
		for _, n := range names(r) {
			if !seen[n] {
				seen[n] = true
				all = append(all, n)
			}
		}
	}
	if len(all) == 0 {
		return empty
	}
	sort.Strings(all)
	return strings.Join(all, ", ")
}
