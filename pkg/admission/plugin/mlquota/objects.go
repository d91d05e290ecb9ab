package mlquota

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
)

// current returns the internal version of an object, from the informer or,
// when the informer has not seen it, from the server.
func (p *Plugin) current(ctx context.Context, resource, namespace, name string) (runtime.Object, error) {
	var obj runtime.Object
	var err error
	switch resource {
	case "trainingjobs":
		obj, err = p.jobs.TrainingJobs(namespace).Get(name)
		if apierrors.IsNotFound(err) {
			obj, err = p.mlClient.MlV1alpha1().TrainingJobs(namespace).Get(ctx, name, metav1.GetOptions{})
		}
	case "models":
		obj, err = p.models.Models(namespace).Get(name)
		if apierrors.IsNotFound(err) {
			obj, err = p.mlClient.MlV1alpha1().Models(namespace).Get(ctx, name, metav1.GetOptions{})
		}
	case "notebooks":
		obj, err = p.notebooks.Notebooks(namespace).Get(name)
		if apierrors.IsNotFound(err) {
			obj, err = p.mlClient.MlV1alpha1().Notebooks(namespace).Get(ctx, name, metav1.GetOptions{})
		}
	case "pipelineruns":
		obj, err = p.runs.PipelineRuns(namespace).Get(name)
		if apierrors.IsNotFound(err) {
			obj, err = p.mlClient.MlV1alpha1().PipelineRuns(namespace).Get(ctx, name, metav1.GetOptions{})
		}
	default:
		return nil, apierrors.NewBadRequest(fmt.Sprintf("%s: resource %q holds no quota", PluginName, resource))
	}
	if err != nil {
		return nil, err
	}
	return internal(obj)
}

// internal converts a versioned object of the group to its internal version.
func internal(obj runtime.Object) (runtime.Object, error) {
	out, err := scheme.Scheme.ConvertToVersion(obj.DeepCopyObject(), ml.SchemeGroupVersion)
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("convert %T: %w", obj, err))
	}
	return out, nil
}

// liveEntries are the entries the namespace's objects hold now, as the
// informers see them, keyed like the record.
func (p *Plugin) liveEntries(namespace string) map[string]entry {
	entries := map[string]entry{}
	add := func(resource string, obj runtime.Object) {
		in, err := internal(obj)
		if err != nil {
			return
		}
		s, _ := shapeOf(in)
		c := s.charge()
		if len(c) == 0 {
			return
		}
		m := in.(metav1.Object)
		entries[entryKey(resource, m.GetName())] = newEntry(m.GetUID(), c, m.GetCreationTimestamp().Time)
	}
	jobs, _ := p.jobs.TrainingJobs(namespace).List(labels.Everything())
	for _, o := range jobs {
		add("trainingjobs", o)
	}
	models, _ := p.models.Models(namespace).List(labels.Everything())
	for _, o := range models {
		add("models", o)
	}
	notebooks, _ := p.notebooks.Notebooks(namespace).List(labels.Everything())
	for _, o := range notebooks {
		add("notebooks", o)
	}
	runs, _ := p.runs.PipelineRuns(namespace).List(labels.Everything())
	for _, o := range runs {
		add("pipelineruns", o)
	}
	return entries
}

// liveTotal is what the namespace's objects hold, as the informers see them.
func (p *Plugin) liveTotal(namespace string) charge {
	total := charge{}
	for _, e := range p.liveEntries(namespace) {
		total = total.add(e.charge())
	}
	return total
}

// prunePending drops the pending entries of rec that no longer need
// keeping: older than the grace period, or whose object the informers show
// as admitted (same uid, same charge), so the total counts it already.
func (p *Plugin) prunePending(rec *record) {
	now := p.now()
	for k, e := range rec.pending {
		if now.Sub(e.At.Time) >= p.Grace {
			delete(rec.pending, k)
			continue
		}
		if live, ok := p.liveEntry(rec.namespace, k); ok && live.UID == e.UID && live.charge().equal(e.charge()) {
			delete(rec.pending, k)
		}
	}
}

// liveEntry is what the object at key (<resource>.<name>) holds as the
// informers see it; false when they do not show it.
func (p *Plugin) liveEntry(namespace, key string) (entry, bool) {
	resource, name, ok := strings.Cut(key, ".")
	if !ok {
		return entry{}, false
	}
	var obj runtime.Object
	var err error
	switch resource {
	case "trainingjobs":
		obj, err = p.jobs.TrainingJobs(namespace).Get(name)
	case "models":
		obj, err = p.models.Models(namespace).Get(name)
	case "notebooks":
		obj, err = p.notebooks.Notebooks(namespace).Get(name)
	case "pipelineruns":
		obj, err = p.runs.PipelineRuns(namespace).Get(name)
	default:
		return entry{}, false
	}
	if err != nil {
		return entry{}, false
	}
	in, err := internal(obj)
	if err != nil {
		return entry{}, false
	}
	s, _ := shapeOf(in)
	m := in.(metav1.Object)
	return newEntry(m.GetUID(), s.charge(), m.GetCreationTimestamp().Time), true
}
