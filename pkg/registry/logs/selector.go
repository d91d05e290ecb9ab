package logs

import (
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// SelectorKind is the Kind of objects whose pods status.selector selects
// (Models, Notebooks): each pod is named by its pod name, and replica
// picks one by pod name or by the ordinal ending it (a StatefulSet's
// <name>-0).
type SelectorKind struct {
	// Resource names the kind in errors.
	Resource string
	// Selector returns status.selector of an object.
	Selector func(obj runtime.Object) string
}

var _ Kind = SelectorKind{}

// Pods are those status.selector selects; none before the controller set it.
func (k SelectorKind) Pods(obj runtime.Object) (labels.Selector, []string) {
	s := k.Selector(obj)
	if s == "" {
		return nil, nil
	}
	sel, err := labels.Parse(s)
	if err != nil {
		return nil, nil
	}
	return sel, nil
}

// Label is the pod's name, for a pod status.selector selects.
func (k SelectorKind) Label(obj runtime.Object, pod *workload.Pod) (string, bool) {
	sel, _ := k.Pods(obj)
	if sel == nil || !sel.Matches(labels.Set(pod.Labels)) {
		return "", false
	}
	return pod.Name, true
}

// Select picks a replica by pod name or ordinal.
func (k SelectorKind) Select(_ runtime.Object, o *ml.LogOptions) (func(pod, label string) bool, field.ErrorList) {
	if errs := NoTask(o, k.Resource); len(errs) > 0 {
		return nil, errs
	}
	if o.Replica == "" {
		return SelectAll, nil
	}
	return func(pod, _ string) bool {
		return pod == o.Replica || len(pod) > len(o.Replica) && pod[len(pod)-len(o.Replica)-1:] == "-"+o.Replica
	}, nil
}
