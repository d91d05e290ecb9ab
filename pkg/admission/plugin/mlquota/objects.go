package mlquota

import (
	"context"
	"fmt"

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
	return entries
}
