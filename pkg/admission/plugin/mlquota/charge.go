package mlquota

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// A charge is what the pods of one object hold against a ResourceQuota,
// keyed the way a quota's spec.hard is after normalization: "pods",
// "requests.<resource>" and "limits.<resource>".
type charge map[corev1.ResourceName]resource.Quantity

// A demand is what an object's pods hold at most at once.
type demand interface {
	// charge is what the pods hold against the quotas.
	charge() charge
	// explain says, for messages, how the demand of key comes about.
	explain(key corev1.ResourceName) string
}

// shape is how many pods an object runs and what each requests: the
// demand of a TrainingJob, Model or Notebook.
type shape struct {
	replicas  int32
	resources corev1.ResourceRequirements
}

// shapeOf returns the demand of an object now. Objects that run no pods (a
// finished or suspended TrainingJob, a stopped Notebook, a finished
// PipelineRun) hold nothing; false for kinds that hold no quota.
func shapeOf(obj runtime.Object) (demand, bool) {
	switch o := obj.(type) {
	case *ml.TrainingJob:
		if o.Spec.Suspend || o.Status.Phase == ml.TrainingJobSucceeded || o.Status.Phase == ml.TrainingJobFailed {
			return shape{}, true
		}
		return trainingJobShape(o), true
	case *ml.Model:
		return shape{replicas: replicasOr(o.Spec.Replicas, 1), resources: o.Spec.Resources}, true
	case *ml.Notebook:
		if o.Spec.Stopped {
			return shape{}, true
		}
		return shape{replicas: replicasOr(o.Spec.Replicas, 1), resources: o.Spec.Resources}, true
	case *ml.PipelineRun:
		return peakOf(o), true
	case *ml.TuningJob:
		return tuningPeakOf(o, o.Spec.TrialTemplate.TrainingJob), true
	}
	return shape{}, false
}

// withReplicas is s scaled to n pods, for the scale subresource.
func (s shape) withReplicas(n int32) shape {
	if s.replicas == 0 && len(s.resources.Requests) == 0 && len(s.resources.Limits) == 0 {
		return s // holds nothing whatever its replicas (finished, stopped)
	}
	s.replicas = n
	return s
}

func replicasOr(p *int32, def int32) int32 {
	if p == nil {
		return def
	}
	return *p
}

// charge returns what the pods of s hold. A pod's request of a resource
// defaults to its limit, as the API server defaults it.
func (s shape) charge() charge {
	c := charge{}
	if s.replicas <= 0 {
		return c
	}
	c[corev1.ResourcePods] = *resource.NewQuantity(int64(s.replicas), resource.DecimalSI)
	add := func(prefix string, name corev1.ResourceName, q resource.Quantity) {
		total := q.DeepCopy()
		total.Mul(int64(s.replicas))
		c[corev1.ResourceName(prefix+string(name))] = total
	}
	for name, q := range s.resources.Requests {
		add("requests.", name, q)
	}
	for name, q := range s.resources.Limits {
		add("limits.", name, q)
		if _, ok := s.resources.Requests[name]; !ok {
			add("requests.", name, q)
		}
	}
	return c
}

// explain describes, for messages, what one replica of s requests of key.
func (s shape) explain(key corev1.ResourceName) string {
	name, isLimit := strings.CutPrefix(string(key), "limits.")
	list := s.resources.Limits
	if !isLimit {
		name = strings.TrimPrefix(string(key), "requests.")
		list = s.resources.Requests
		if _, ok := list[corev1.ResourceName(name)]; !ok {
			list = s.resources.Limits
		}
	}
	if key == corev1.ResourcePods {
		return fmt.Sprintf("%d replicas", s.replicas)
	}
	q := list[corev1.ResourceName(name)]
	return fmt.Sprintf("%d replicas x %s", s.replicas, q.String())
}

// quotaKey maps a name of a ResourceQuota's spec.hard to the charge key it
// limits, as ResourceQuota evaluates pods: bare compute resource names
// are requests; object counts other than pods are not ours to charge.
func quotaKey(name corev1.ResourceName) (corev1.ResourceName, bool) {
	s := string(name)
	switch {
	case name == corev1.ResourcePods:
		return name, true
	case strings.HasPrefix(s, "requests.") || strings.HasPrefix(s, "limits."):
		return name, s != "requests.storage"
	case strings.HasPrefix(s, "count/"):
		return "", false
	case name == corev1.ResourceCPU || name == corev1.ResourceMemory || name == corev1.ResourceEphemeralStorage ||
		strings.HasPrefix(s, corev1.ResourceHugePagesPrefix) || strings.Contains(s, "/"):
		return corev1.ResourceName("requests." + s), true
	}
	return "", false
}

// add returns the sum of c and d.
func (c charge) add(d charge) charge {
	sum := charge{}
	for k, v := range c {
		sum[k] = v.DeepCopy()
	}
	for k, v := range d {
		q := sum[k]
		q.Add(v)
		sum[k] = q
	}
	return sum
}

// String prints c sorted by key, for logs and messages.
func (c charge) String() string {
	var parts []string
	for k, v := range c {
		parts = append(parts, fmt.Sprintf("%s=%s", k, v.String()))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// sub returns c minus d, never below zero.
func (c charge) sub(d charge) charge {
	out := charge{}
	for k, v := range c {
		q := v.DeepCopy()
		if s, ok := d[k]; ok {
			q.Sub(s)
		}
		if q.Sign() > 0 {
			out[k] = q
		}
	}
	return out
}

// max returns the larger of c and d for every key.
func (c charge) max(d charge) charge {
	out := charge{}
	for k, v := range c {
		out[k] = v.DeepCopy()
	}
	for k, v := range d {
		if q, ok := out[k]; !ok || v.Cmp(q) > 0 {
			out[k] = v.DeepCopy()
		}
	}
	return out
}

// equal says whether c and d hold the same amounts.
func (c charge) equal(d charge) bool {
	for k, v := range c {
		if w, ok := d[k]; !ok || v.Cmp(w) != 0 {
			if ok || !v.IsZero() {
				return false
			}
		}
	}
	for k, w := range d {
		if _, ok := c[k]; !ok && !w.IsZero() {
			return false
		}
	}
	return true
}
