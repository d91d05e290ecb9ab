package logs

import (
	"time"

	"k8s.io/apimachinery/pkg/runtime"
)

// OrderedKind is a Kind whose merged logs come in the order their pods
// started rather than by label: a pipeline run's tasks, so that a task's
// lines follow those of the tasks it waited for.
type OrderedKind interface {
	Kind
	// Started says when the pod labelled label started and its rank among
	// the object's labels (a task's depth in its pipeline), which orders
	// labels that started in the same second (status times have seconds
	// only). ok is false for a label not known to have started; those come
	// last.
	Started(obj runtime.Object, label string) (start time.Time, rank int, ok bool)
}

// labelOrder returns how the targets of obj are ordered: by start time,
// then rank, for an OrderedKind; by label otherwise (see compareLabels).
func labelOrder(kind Kind, obj runtime.Object) func(a, b string) int {
	ordered, ok := kind.(OrderedKind)
	if !ok {
		return compareLabels
	}
	type key struct {
		start time.Time
		rank  int
		ok    bool
	}
	// Each label is looked up once, not once per comparison.
	keys := map[string]key{}
	keyOf := func(label string) key {
		k, seen := keys[label]
		if !seen {
			k.start, k.rank, k.ok = ordered.Started(obj, label)
			keys[label] = k
		}
		return k
	}
	return func(a, b string) int {
		ak, bk := keyOf(a), keyOf(b)
		as, ar, aok := ak.start, ak.rank, ak.ok
		bs, br, bok := bk.start, bk.rank, bk.ok
		switch {
		case aok && !bok:
			return -1
		case !aok && bok:
			return 1
		case aok && bok && !as.Equal(bs):
			return as.Compare(bs)
		case aok && bok && ar != br:
			return ar - br
		}
		return compareLabels(a, b)
	}
}
